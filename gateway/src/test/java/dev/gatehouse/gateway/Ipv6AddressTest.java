package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.config.HostPort;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoredEvent;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway on the IPv6 loopback prints, audits and shows its addresses as {@code [::1]:PORT},
 * never as Java's {@code 0:0:0:0:0:0:0:1:PORT}, which reads as an address without a port.
 */
class Ipv6AddressTest {
    @TempDir
    Path dir;

    @Test
    void addressesOnIpv6AreBracketedInTheListenFieldSourcesAndShellOutput() throws Exception {
        try (InProcessGateway gw = InProcessGateway.startOn("[::1]:0", dir, InProcessGatewayTest.POLICY, "admin", "alice", "idler")) {
            int port = gw.gateway().address().getPort();
            assertThat(HostPort.format(gw.gateway().address())).isEqualTo("[::1]:" + port);
            assertThat(events(gw, "gateway.start")).singleElement()
                    .satisfies(e -> assertThat(e.event().details()).containsEntry("listen", "[::1]:" + port));

            String clientSource;
            try (ClientSession session = gw.connect("alice", "alice")) {
                InetSocketAddress local = (InetSocketAddress) session.getIoSession().getLocalAddress();
                clientSource = "[::1]:" + local.getPort();
                InProcessGateway.Result whoami = gw.exec(session, "whoami");
                assertThat(whoami.stdout()).as(whoami.stderr()).contains("from: " + clientSource);
            }
            assertThat(events(gw, "auth.success")).singleElement()
                    .satisfies(e -> assertThat(e.event().source()).isEqualTo(clientSource));
        }
    }

    @Test
    void anUnreachableIpv6NodeIsNamedWithBrackets() throws Exception {
        // nothing listens on port 9 (discard) of the loopback
        try (InProcessGateway gw = InProcessGateway.startOn("[::1]:0", dir,
                keys -> InProcessGatewayTest.POLICY.apply(keys).replace("\"127.0.0.1:9\"", "\"[0:0:0:0:0:0:0:1]:9\""),
                "admin", "alice", "idler")) {
            InProcessGateway.Result r = gw.exec(gw.connect("alice", "aiops@gpu-node-1"), "true");
            assertThat(r.stderr()).contains("cannot reach node 'gpu-node-1' at [::1]:9 (");
            assertThat(events(gw, "upstream.failure")).singleElement()
                    .satisfies(e -> assertThat(e.event().details().toString()).contains("at [::1]:9 ("));
        }
    }

    private static List<StoredEvent> events(InProcessGateway gw, String type) {
        return gw.gateway().services().audit().store().events(new EventQuery(type, null, null, null, 100));
    }
}
