package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.gateway.testing.ProxyHeaderRelay;
import dev.gatehouse.recorder.AuditEvent;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ssh.proxy_protocol}: the real gateway behind a stand-in balancer ({@link ProxyHeaderRelay}
 * on the loopback, which is what the gateway trusts) that writes a PROXY header before relaying a
 * MINA client's connection.
 */
class SshProxyProtocolTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String TRUST_LOOPBACK = "  proxy_protocol: {from: [\"127.0.0.1/32\"]}\n";

    @TempDir
    Path dir;

    private InProcessGateway start(String sshSettings) throws IOException {
        return InProcessGateway.start(dir, Clock.systemUTC(), sshSettings, InProcessGatewayTest.POLICY, "admin", "alice", "idler");
    }

    private static int port(InProcessGateway gw) {
        return gw.gateway().address().getPort();
    }

    private static List<String> sources(InProcessGateway gw, String type) {
        return gw.events(type).stream().map(AuditEvent::source).toList();
    }

    @Test
    void theClientAddressOfAV1HeaderIsTheSourceOfAuditRecordsAndOfTheSession() throws Exception {
        try (InProcessGateway gw = start(TRUST_LOOPBACK);
                ProxyHeaderRelay balancer = new ProxyHeaderRelay(port(gw),
                        () -> ProxyHeaderRelay.v1("203.0.113.7", 40001, "10.0.0.1", 2222))) {
            try (ClientSession session = gw.connectTo(balancer.port(), "alice", "alice")) {
                InProcessGateway.Result whoami = gw.exec(session, "whoami");
                assertThat(whoami.stdout()).as(whoami.stderr()).contains("from: 203.0.113.7:40001");
            }
            assertThat(sources(gw, "auth.success")).containsExactly("203.0.113.7:40001");
            assertThat(sources(gw, null)).noneMatch(s -> s != null && s.startsWith("127.0.0.1:"));
        }
    }

    @Test
    void aV2HeaderForAnIpv6ClientWorksAndAV2LocalHeaderKeepsTheBalancersAddress() throws Exception {
        try (InProcessGateway gw = start(TRUST_LOOPBACK);
                ProxyHeaderRelay v2 = new ProxyHeaderRelay(port(gw), () -> ProxyHeaderRelay.v2("2001:db8::7", 40002, "fd00::1", 2222));
                ProxyHeaderRelay local = new ProxyHeaderRelay(port(gw), ProxyHeaderRelay::v2Local)) {
            gw.connectTo(v2.port(), "alice", "alice").close();
            assertThat(sources(gw, "auth.success")).containsExactly("[2001:db8::7]:40002");
            gw.connectTo(local.port(), "alice", "alice").close();
            assertThat(sources(gw, "auth.success")).hasSize(2).last().asString().startsWith("127.0.0.1:");
        }
    }

    /**
     * Threat: a client that reaches the SSH port directly (not through the balancer) writes a header
     * naming someone else's address, to stand in the audit record as them or to dodge per-source limits.
     */
    @Test
    void aHeaderFromAPeerThatIsNotATrustedBalancerIsRefused() throws Exception {
        try (InProcessGateway gw = start("  proxy_protocol: {from: [\"10.9.9.9/32\"]}\n");
                ProxyHeaderRelay relay = new ProxyHeaderRelay(port(gw),
                        () -> ProxyHeaderRelay.v1("203.0.113.7", 40001, "10.0.0.1", 2222))) {
            assertThatThrownBy(() -> gw.connectTo(relay.port(), "alice", "alice")).isInstanceOf(Exception.class);
            await().atMost(WAIT).until(() -> !gw.events("connection.refused").isEmpty());
            assertThat(gw.events("connection.refused")).singleElement().satisfies(e -> {
                assertThat(e.source()).startsWith("127.0.0.1:");
                assertThat(e.details().get("reason").toString()).contains("not a load balancer trusted");
            });
            assertThat(sources(gw, "auth.success")).isEmpty();
        }
    }

    /** Threat: a balancer left without send-proxy makes every client look like the balancer. */
    @Test
    void aTrustedPeerWithoutAHeaderIsRefused() throws Exception {
        try (InProcessGateway gw = start(TRUST_LOOPBACK)) {
            assertThatThrownBy(() -> gw.connect("alice", "alice")).isInstanceOf(Exception.class);
            await().atMost(WAIT).until(() -> !gw.events("connection.refused").isEmpty());
            assertThat(gw.events("connection.refused")).singleElement()
                    .satisfies(e -> assertThat(e.details().get("reason").toString()).contains("no valid PROXY protocol header"));
            assertThat(sources(gw, "auth.success")).isEmpty();
        }
    }

    @Test
    void malformedAndOversizedHeadersCloseTheConnection() throws Exception {
        byte[] oversizedV2 = new byte[16 + 6000];
        System.arraycopy(ProxyHeaderRelay.v2("203.0.113.7", 1, "10.0.0.1", 2), 0, oversizedV2, 0, 14);
        oversizedV2[14] = (byte) 0xff; // address block of 65535 bytes: over the TLV bound
        oversizedV2[15] = (byte) 0xff;
        List<byte[]> bad = List.of(
                ascii("PROXY TCP4 203.0.113.999 10.0.0.1 40001 2222\r\nSSH-2.0-test\r\n"),
                ascii("PROXY TCP6 203.0.113.7 10.0.0.1 40001 2222\r\nSSH-2.0-test\r\n"),
                ascii("PROXY TCP4 " + "9".repeat(300)),
                oversizedV2,
                ascii("SSH-2.0-OpenSSH_9.6 no header\r\n"));
        try (InProcessGateway gw = start(TRUST_LOOPBACK)) {
            for (byte[] header : bad) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port(gw))) {
                    s.setSoTimeout((int) WAIT.toMillis());
                    s.getOutputStream().write(header);
                    s.getOutputStream().flush();
                    assertThat(readsToEnd(s.getInputStream())).as(new String(header, StandardCharsets.ISO_8859_1)).isTrue();
                }
            }
            await().atMost(WAIT).until(() -> gw.events("connection.refused").size() == bad.size());
            assertThat(gw.events("connection.refused")).allSatisfy(e -> {
                assertThat(e.source()).startsWith("127.0.0.1:");
                assertThat(e.details().get("reason").toString()).contains("no valid PROXY protocol header");
            });
        }
    }

    /** Whether the gateway closed the connection (end of stream) before the read timeout. */
    private static boolean readsToEnd(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // the gateway's identification line, then nothing
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return e.getMessage() != null && e.getMessage().contains("reset"); // closed with data unread: a reset
        }
    }

    /**
     * Threat: per-source limits keyed on the balancer let one client's flood lock everyone out, or
     * keyed on nothing let one client open any number of unauthenticated connections.
     */
    @Test
    void theUnauthenticatedConnectionLimitCountsPerClientAddressFromTheHeader() throws Exception {
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier((session, remote, key) -> true);
        client.start();
        try (InProcessGateway gw = start(TRUST_LOOPBACK + "  max_unauthenticated_per_source: 1\n");
                ProxyHeaderRelay x = new ProxyHeaderRelay(port(gw), () -> ProxyHeaderRelay.v1("203.0.113.7", 40001, "10.0.0.1", 2222));
                ProxyHeaderRelay y = new ProxyHeaderRelay(port(gw), () -> ProxyHeaderRelay.v1("198.51.100.8", 40002, "10.0.0.1", 2222));
                ClientSession first = open(client, x.port());
                ClientSession other = open(client, y.port());
                ClientSession second = client.connect("alice", "127.0.0.1", x.port()).verify(WAIT).getSession()) {
            Set<ClientSessionEvent> secondState = second.waitFor(EnumSet.of(ClientSessionEvent.CLOSED, ClientSessionEvent.WAIT_AUTH), WAIT);
            assertThat(secondState).contains(ClientSessionEvent.CLOSED);
            assertThat(other.isOpen()).as("another client behind the same balancer is not counted with the first").isTrue();
            await().atMost(WAIT).until(() -> !gw.events("connection.refused").isEmpty());
            assertThat(gw.events("connection.refused")).singleElement().satisfies(e -> {
                assertThat(e.source()).startsWith("203.0.113.7:");
                assertThat(e.details().get("reason").toString()).contains("too many unauthenticated connections");
            });
            assertThat(first.isOpen()).isTrue();
        } finally {
            client.stop();
        }
    }

    /** A connection through {@code port} that has finished key exchange and waits to authenticate. */
    private static ClientSession open(SshClient client, int port) throws IOException {
        ClientSession s = client.connect("alice", "127.0.0.1", port).verify(WAIT).getSession();
        assertThat(s.waitFor(EnumSet.of(ClientSessionEvent.CLOSED, ClientSessionEvent.WAIT_AUTH), WAIT))
                .contains(ClientSessionEvent.WAIT_AUTH).doesNotContain(ClientSessionEvent.CLOSED);
        return s;
    }

    @Test
    void withoutTheSettingNoHeaderIsRead() throws Exception {
        try (InProcessGateway gw = start("");
                ProxyHeaderRelay relay = new ProxyHeaderRelay(port(gw),
                        () -> ProxyHeaderRelay.v1("203.0.113.7", 40001, "10.0.0.1", 2222))) {
            assertThatThrownBy(() -> gw.connectTo(relay.port(), "alice", "alice")).isInstanceOf(Exception.class);
            gw.connect("alice", "alice").close();
            assertThat(sources(gw, "auth.success")).singleElement().asString().startsWith("127.0.0.1:");
            assertThat(sources(gw, null)).noneMatch(s -> s != null && s.startsWith("203.0.113.7"));
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
