package dev.gatehouse.gateway;

import static dev.gatehouse.gateway.Forwards.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.recorder.AuditEvent;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local forwarding (direct-tcpip) through the real gateway to a node played by a MINA sshd that
 * would forward anywhere, and an echo service on this machine's loopback: only what policy allows
 * goes through, with the node's certificate limited to {@code permit-port-forwarding}; every
 * refusal reaches the client as "administratively prohibited" with the reason, and is audited.
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardingTest {
    @TempDir
    Path dir;

    private SshServer node;
    private EchoServer echo;
    private final List<OpenSshCertificate> certificates = new CopyOnWriteArrayList<>();
    /** Connections open on the node now. */
    private final java.util.concurrent.atomic.AtomicInteger nodeConnections = new java.util.concurrent.atomic.AtomicInteger();
    private InProcessGateway gw;
    private String nodeLine;

    @BeforeEach
    void start() throws Exception {
        echo = EchoServer.start();
        KeyPair nodeKey = SshKeys.generateEd25519();
        node = SshServer.setUpDefaultServer();
        node.setHost("127.0.0.1");
        node.setPort(0);
        node.setKeyPairProvider(KeyPairProvider.wrap(nodeKey));
        node.setPublickeyAuthenticator((user, key, session) -> {
            if (key instanceof OpenSshCertificate c) {
                certificates.add(c);
            }
            return true;
        });
        // the node would forward anywhere: what stops a forward in these tests is the gateway
        node.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
        node.addSessionListener(new org.apache.sshd.common.session.SessionListener() {
            @Override
            public void sessionCreated(org.apache.sshd.common.session.Session session) {
                nodeConnections.incrementAndGet();
            }

            @Override
            public void sessionClosed(org.apache.sshd.common.session.Session session) {
                nodeConnections.decrementAndGet();
            }
        });
        node.start();
        nodeLine = SshKeys.toLine(nodeKey.getPublic());
        gw = InProcessGateway.start(dir, keys -> policy(keys, nodeLine, "forward: {ports: [" + echo.port() + ", \"8000-8999\"]}"),
                "admin", "alice", "bob");
    }

    private String policy(java.util.Map<String, String> keys, String nodeLine, String forward) {
        return """
                users:
                  - {name: admin, keys: ["%s"], roles: [admin]}
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                  - {name: bob, keys: ["%s"], roles: [viewer]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:%d", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - name: engineer
                    logins: [aiops]
                    nodes: {tenant: team-a}
                    %s
                  - {name: viewer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: admin, permissions: [admin]}
                """.formatted(keys.get("admin"), keys.get("alice"), keys.get("bob"), node.getPort(), nodeLine, forward);
    }

    @AfterEach
    void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        node.stop(true);
        echo.close();
    }

    private AuditEvent awaitEvent(String type) {
        await().atMost(WAIT).until(() -> !gw.events(type).isEmpty());
        return gw.events(type).get(gw.events(type).size() - 1);
    }

    @Test
    void anAllowedForwardCarriesBytesBothWaysWithAForwardOnlyCertificateAndIsAudited() throws Exception {
        byte[] payload = new byte[300_000];
        new java.util.Random(7).nextBytes(payload);
        try (ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
                ChannelDirectTcpip ch = Forwards.open(alice, "localhost", echo.port())) {
            OutputStream toNode = ch.getInvertedIn();
            InputStream fromNode = ch.getInvertedOut();
            Thread writer = new Thread(() -> {
                try {
                    toNode.write(payload);
                    toNode.flush();
                } catch (Exception e) {
                    // the read below fails then
                }
            });
            writer.start();
            byte[] back = fromNode.readNBytes(payload.length);
            writer.join();
            assertThat(back).isEqualTo(payload);
            ch.close(false).await(WAIT);
        }
        AuditEvent close = awaitEvent("forward.close");
        assertThat(close.user()).isEqualTo("alice");
        assertThat(close.node()).isEqualTo("gpu-node-1");
        assertThat(close.details()).containsEntry("input_bytes", "300000").containsEntry("output_bytes", "300000")
                .containsEntry("host", "localhost").containsEntry("address", "127.0.0.1")
                .containsEntry("port", Integer.toString(echo.port())).containsKey("duration_ms");
        AuditEvent open = awaitEvent("forward.open");
        assertThat(open.details()).containsEntry("rule", "role engineer forwards port " + echo.port());
        assertThat(open.certSerial()).isNotNull();
        // the node sees each certificate twice: the key query, then the signature
        assertThat(certificates.stream().map(OpenSshCertificate::getSerial).distinct()).singleElement()
                .isEqualTo(open.certSerial());
        assertThat(certificates).allSatisfy(c -> {
            assertThat(c.getExtensions()).extracting(e -> e.getName()).containsExactly("permit-port-forwarding");
            assertThat(c.getPrincipals()).containsExactly("aiops");
            assertThat(c.getSerial()).isEqualTo(open.certSerial());
        });
    }

    @Test
    void concurrentForwardsOfOneConnectionShareOneUpstreamConnectionThatClosesWithTheLast() throws Exception {
        try (ClientSession alice = gw.connect("alice", "aiops@gpu-node-1")) {
            List<ChannelDirectTcpip> open = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ChannelDirectTcpip ch = Forwards.open(alice, "127.0.0.1", echo.port());
                Forwards.assertEchoes(ch, 'x');
                open.add(ch);
            }
            assertThat(nodeConnections.get()).as("connections open on the node").isEqualTo(1);
            assertThat(certificates.stream().map(OpenSshCertificate::getSerial).distinct()).hasSize(1);
            assertThat(gw.events("cert.issued")).singleElement()
                    .satisfies(e -> assertThat(e.details()).containsEntry("extensions", "permit-port-forwarding"));
            for (ChannelDirectTcpip ch : open) {
                ch.close(false).await(WAIT);
            }
            // no lingering login on the node once the last forward ended, though the client stays connected
            await().atMost(WAIT).until(() -> nodeConnections.get() == 0);
            assertThat(alice.isOpen()).isTrue();
            try (ChannelDirectTcpip again = Forwards.open(alice, "127.0.0.1", echo.port())) {
                Forwards.assertEchoes(again, 'y');
            }
        }
        // one cert.issued per certificate: the first connection's, then the one made after it closed
        assertThat(gw.events("cert.issued")).hasSize(2);
        assertThat(certificates.stream().map(OpenSshCertificate::getSerial).distinct()).hasSize(2);
    }

    @Test
    void aPortNothingListensOnFailsWithTheNodesReasonAndOneForwardFailedEvent() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        gw.reload(keys -> policy(keys, nodeLine, "forward: {ports: [" + closed + "]}"));
        try (ClientSession alice = gw.connect("alice", "aiops@gpu-node-1")) {
            ChannelDirectTcpip ch = Forwards.channel(alice, "localhost", closed);
            assertThatThrownBy(() -> ch.open().verify(WAIT)).cause()
                    .isInstanceOfSatisfying(SshChannelOpenException.class, e -> {
                        assertThat(e.getReasonCode()).as("the node's reason code").isEqualTo(SshConstants.SSH_OPEN_CONNECT_FAILED);
                        assertThat(e.getMessage()).startsWith("gatehouse: node 'gpu-node-1' refused to open a direct-tcpip channel to 127.0.0.1:"
                                + closed + ": connect failed");
                    });
        }
        AuditEvent failed = awaitEvent("forward.failed");
        assertThat(failed.outcome()).isEqualTo("failure");
        assertThat(failed.certSerial()).as("the connection's certificate").isEqualTo(awaitEvent("cert.issued").certSerial());
        assertThat(failed.details()).containsEntry("stage", "channel_open").containsEntry("port", Integer.toString(closed))
                .containsKey("node_message");
        assertThat(failed.details().get("node_message")).startsWith("connect failed");
        assertThat(gw.events("forward.open")).as("the node never opened it").isEmpty();
        assertThat(gw.events("forward.close")).isEmpty();
        await().atMost(WAIT).until(() -> nodeConnections.get() == 0);
    }

    /** Threat: a user allowed one port reaches every other service on the node (databases, the node's sshd). */
    @Test
    void aPortNoRoleListsIsRefusedWithTheReasonAndAudited() throws Exception {
        try (ClientSession alice = gw.connect("alice", "aiops@gpu-node-1")) {
            assertRefused(alice, "localhost", node.getPort(),
                    "gatehouse: no role of user 'alice' allows forwarding to port " + node.getPort() + " on node 'gpu-node-1'");
        }
        AuditEvent refused = awaitEvent("forward.refused");
        assertThat(refused.user()).isEqualTo("alice");
        assertThat(refused.details()).containsEntry("port", Integer.toString(node.getPort()))
                .containsEntry("reason", "no role of user 'alice' allows forwarding to port " + node.getPort() + " on node 'gpu-node-1'");
        assertThat(certificates).as("nothing reached the node").isEmpty();
    }

    @Test
    void aRefusedIpv6DestinationIsAuditedInBrackets() throws Exception {
        try (ClientSession alice = gw.connect("alice", "aiops@gpu-node-1")) {
            assertRefused(alice, "::1", 7, "gatehouse: no role of user 'alice' allows forwarding to port 7 on node 'gpu-node-1'");
        }
        // one address formatter: ::1:7 could not be told apart from an address without a port
        assertThat(awaitEvent("forward.refused").details()).containsEntry("request", "[::1]:7").containsEntry("host", "::1");
    }

    /** Threat: the gateway becomes a proxy into the node network (or the gateway's own). */
    @Test
    void aDestinationOtherThanTheNodesLoopbackIsRefused() throws Exception {
        try (ClientSession alice = gw.connect("alice", "aiops@gpu-node-1")) {
            assertRefused(alice, "10.1.2.3", 8080,
                    "gatehouse: forwarding goes only to the node's own loopback (localhost, 127.0.0.1 or ::1), not to '10.1.2.3'");
        }
        assertThat(awaitEvent("forward.refused").details()).containsEntry("host", "10.1.2.3");
        assertThat(certificates).isEmpty();
    }

    @Test
    void aRoleWithoutForwardingIsRefused() throws Exception {
        try (ClientSession bob = gw.connect("bob", "aiops@gpu-node-1")) {
            assertRefused(bob, "localhost", echo.port(), "gatehouse: no role of user 'bob' allows forwarding to port "
                    + echo.port() + " on node 'gpu-node-1'");
        }
        assertThat(awaitEvent("forward.refused").user()).isEqualTo("bob");
    }

    /** Threat: the gateway shell's connection, which names no node, tunnels anywhere. */
    @Test
    void aGatewayShellConnectionForwardsNothing() throws Exception {
        try (ClientSession alice = gw.connect("alice", "alice")) {
            assertRefused(alice, "localhost", echo.port(),
                    "gatehouse: a gateway shell connection forwards nothing; connect as LOGIN@NODE to forward to that node's loopback");
        }
    }

    /** Threat: a locked user keeps a tunnel into the node open after the admin was told "locked" (R07). */
    @Test
    void aLockCutsALiveForward() throws Exception {
        try (ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
                ChannelDirectTcpip ch = Forwards.open(alice, "localhost", echo.port())) {
            Forwards.assertEchoes(ch, 'x');
            InProcessGateway.Result lock = gw.exec("admin", "lock user alice --reason incident");
            assertThat(lock.stdout()).as(lock.stderr()).contains("locked user alice");
            long locked = System.nanoTime();
            assertThat(ch.waitFor(java.util.EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(5)))
                    .contains(ClientChannelEvent.CLOSED);
            assertThat(Duration.ofNanos(System.nanoTime() - locked)).isLessThan(Duration.ofSeconds(2));
        }
        AuditEvent close = awaitEvent("forward.close");
        assertThat(close.outcome()).isEqualTo("terminated");
        assertThat(close.details().get("reason")).contains("user 'alice' was locked by admin");
        assertThat(close.details()).containsEntry("input_bytes", "1").containsEntry("output_bytes", "1");
    }

    /**
     * Threat: a fast service and a client that stops reading make the gateway buffer without
     * bound (memory exhaustion). The node's bytes are read only as the client takes them, so the
     * service's writes stall at about the windows of the two hops; then every byte arrives.
     */
    @Test
    void aClientThatStopsReadingStallsTheServiceInsteadOfFillingTheGateway() throws Exception {
        java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
        long total = 64L << 20;
        try (ServerSocket firehose = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = firehose.accept(); OutputStream out = s.getOutputStream()) {
                    byte[] chunk = new byte[64 * 1024];
                    while (written.get() < total) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (Exception e) {
                    // test over
                }
            }, "firehose");
            server.setDaemon(true);
            server.start();
            gw.reload(keys -> policy(keys, nodeLine, "forward: {ports: [" + firehose.getLocalPort() + "]}"));
            try (ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
                    ChannelDirectTcpip ch = Forwards.open(alice, "localhost", firehose.getLocalPort())) {
                await().atMost(WAIT).until(() -> written.get() >= 1 << 20);
                // the client reads nothing: wait until the service's writes stall (two polls alike)
                long[] last = {-1};
                await().pollInterval(Duration.ofMillis(300)).atMost(WAIT).until(() -> {
                    long now = written.get();
                    boolean stalledNow = now == last[0];
                    last[0] = now;
                    return stalledNow;
                });
                long stalled = written.get();
                assertThat(stalled).as("bytes the service could write while nobody read").isLessThan(24L << 20);
                InputStream in = ch.getInvertedOut();
                byte[] buf = new byte[256 * 1024];
                long read = 0;
                while (read < total) {
                    int n = in.read(buf);
                    assertThat(n).isPositive();
                    read += n;
                }
                assertThat(read).isEqualTo(total);
            }
        }
    }

    /** Threat: a port taken out of a role stays reachable through a tunnel opened before (R28). */
    @Test
    void removingThePortFromTheRoleEndsTheForward() throws Exception {
        try (ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
                ChannelDirectTcpip ch = Forwards.open(alice, "localhost", echo.port())) {
            gw.reload(keys -> policy(keys, nodeLine, "forward: {ports: [\"8000-8999\"]}"));
            assertThat(ch.waitFor(java.util.EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(5)))
                    .contains(ClientChannelEvent.CLOSED);
        }
        AuditEvent removed = awaitEvent("access.removed");
        assertThat(removed.details()).containsEntry("kind", "forward")
                .containsEntry("reason", "no role of user 'alice' allows forwarding to port " + echo.port() + " on node 'gpu-node-1'");
        assertThat(awaitEvent("forward.close").outcome()).isEqualTo("terminated");
    }

    private static void assertRefused(ClientSession session, String host, int port, String description) throws Exception {
        ChannelDirectTcpip ch = Forwards.channel(session, host, port);
        assertThatThrownBy(() -> ch.open().verify(WAIT)).cause()
                .isInstanceOfSatisfying(SshChannelOpenException.class, e -> {
                    assertThat(e.getReasonCode()).isEqualTo(SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED);
                    assertThat(e.getMessage()).isEqualTo(description);
                });
    }
}
