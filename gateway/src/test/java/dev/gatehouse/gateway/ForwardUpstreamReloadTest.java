package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.SshKeys;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forward after a policy reload connects to the node as the reloaded policy describes it, as a
 * session's channel does (the upstream pool's key holds the node): a forward must not ride a
 * connection that was verified against a host key the policy no longer pins.
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardUpstreamReloadTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /**
     * Threat: an admin re-pins a node's host key because the old one leaked or the machine was
     * replaced, yet new forwards of a client connected before keep riding the connection verified
     * against the old key (possibly an impostor).
     */
    @Test
    void aForwardAfterTheNodesHostKeyIsRepinnedDoesNotRideTheConnectionVerifiedAgainstTheOldPin() throws Exception {
        String otherKey = SshKeys.toLine(SshKeys.generateEd25519().getPublic());
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                TestNode node = TestNode.accepting();
                InProcessGateway gw = InProcessGateway.start(dir, policy(node, node.hostKeyLine(), echo), "alice")) {
            node.server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
            serveEcho(echo);
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            try (ChannelDirectTcpip first = open(alice, echo)) {
                first.getInvertedIn().write('x');
                first.getInvertedIn().flush();
                assertThat(first.getInvertedOut().read()).isEqualTo('x');

                // the node now presents a key the policy no longer pins
                gw.reload(policy(node, otherKey, echo));
                assertThatThrownBy(() -> open(alice, echo))
                        .as("a forward opened after the re-pin, on a node whose key no longer matches")
                        .hasStackTraceContaining("host key");
            }
        }
    }

    private static ChannelDirectTcpip open(ClientSession session, ServerSocket echo) throws Exception {
        ChannelDirectTcpip ch = session.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 40000),
                new SshdSocketAddress("localhost", echo.getLocalPort()));
        ch.open().verify(WAIT);
        return ch;
    }

    private static Function<Map<String, String>, String> policy(TestNode node, String hostKey, ServerSocket echo) {
        return keys -> """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:%d", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - name: engineer
                    logins: [aiops]
                    nodes: {tenant: team-a}
                    forward: {ports: [%d]}
                """.formatted(keys.get("alice"), node.port(), hostKey, echo.getLocalPort());
    }

    private static void serveEcho(ServerSocket echo) {
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread c = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (Exception e) {
                            // connection over
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (Exception e) {
                    return;
                }
            }
        }, "echo");
        t.setDaemon(true);
        t.start();
    }
}
