package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forward under a grant runs on a connection whose certificate was issued for, and recorded
 * with, that grant (R02), as sessions' connections are keyed by grant ({@code UpstreamPool.Key}).
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardUpstreamNextGrantTest {
    @TempDir
    Path dir;

    /**
     * Threat: forwards under a second grant ride the first (revoked) grant's certificate, so the
     * node's log and the issued-certificate records attribute them to a grant that had ended.
     */
    @Test
    void aForwardUnderANewGrantGetsACertificateIssuedForThatGrant() throws Exception {
        try (Forwards.Elevation f = Forwards.Elevation.start(dir)) {
            String id = Forwards.grantMlops(f.gw);

            ClientSession alice = f.gw.connect("alice", "mlops@gpu-node-1");
            ChannelDirectTcpip ch = f.openUnderGrant(alice, id);
            Forwards.revokeClosing(f.gw, id, ch);

            String second = Forwards.grantMlops(f.gw);
            try (ChannelDirectTcpip next = Forwards.open(alice, "localhost", f.echo.port())) {
                assertThat(f.node.keyIds).as("certificates the node saw; forward.open of the second grant names serial "
                        + "issued for " + id).anySatisfy(k -> assertThat(k).contains("grant=" + second));
            }
        }
    }
}
