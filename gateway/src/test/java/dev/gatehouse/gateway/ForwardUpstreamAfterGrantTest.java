package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forward's upstream connection (certificate with {@code permit-port-forwarding}) ends with the
 * grant it was made under, as a session's shared connection closes with its last channel
 * ({@code UpstreamPool}): no authenticated login stays open on the node that no live session or
 * forward accounts for.
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardUpstreamAfterGrantTest {
    @TempDir
    Path dir;

    /**
     * Threat: after a grant is revoked (or ends), the gateway keeps the elevated login's
     * port-forwarding connection authenticated on the node for as long as the client (an idle
     * {@code ssh -N -L}) stays connected, though no grant, session or forward accounts for it.
     */
    @Test
    void revokingTheGrantClosesTheElevatedForwardsUpstreamConnection() throws Exception {
        try (Forwards.Elevation f = Forwards.Elevation.start(dir)) {
            String id = Forwards.grantMlops(f.gw);

            ClientSession alice = f.gw.connect("alice", "mlops@gpu-node-1");
            ChannelDirectTcpip ch = f.openUnderGrant(alice, id);
            Forwards.revokeClosing(f.gw, id, ch);

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(f.node.live.get())
                    .as("elevated connections still open on the node; client connection open: " + alice.isOpen()).isZero());
        }
    }
}
