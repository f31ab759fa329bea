package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forward under a grant runs on a connection whose certificate was issued for, and recorded
 * with, that grant (R02), as sessions' connections are keyed by grant ({@code UpstreamPool.Key}).
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardUpstreamNextGrantTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /**
     * Threat: forwards under a second grant ride the first (revoked) grant's certificate, so the
     * node's log and the issued-certificate records attribute them to a grant that had ended.
     */
    @Test
    void aForwardUnderANewGrantGetsACertificateIssuedForThatGrant() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                TestNode node = TestNode.accepting();
                InProcessGateway gw = InProcessGateway.start(dir, keys -> """
                        users:
                          - {name: alice, keys: ["%s"], roles: [engineer]}
                          - {name: admin, keys: ["%s"], roles: [approver, admin]}
                        nodes:
                          - {name: gpu-node-1, address: "127.0.0.1:%d", host_key: "%s", labels: {tenant: team-a}}
                        roles:
                          - name: engineer
                            logins: [aiops]
                            nodes: {tenant: team-a}
                            forward: {ports: [%d]}
                          - {name: approver, logins: [aiops], nodes: {tenant: team-a}}
                          - {name: admin, permissions: [admin]}
                        elevations:
                          - {login: mlops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver]}
                        """.formatted(keys.get("alice"), keys.get("admin"), node.port(), node.hostKeyLine(), echo.getLocalPort()),
                        "alice", "admin")) {
            node.server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
            serveEcho(echo);
            InProcessGateway.Result request = gw.exec("alice", "request mlops@gpu-node-1 --for 30m --reason debug");
            String[] words = request.stdout().strip().split("\\s+");
            String id = words[words.length - 1];
            InProcessGateway.Result approve = gw.exec("admin", "approve " + id);
            assertThat(approve.status()).as(approve.stdout() + approve.stderr()).isZero();

            ClientSession alice = gw.connect("alice", "mlops@gpu-node-1");
            ChannelDirectTcpip ch = alice.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 40000),
                    new SshdSocketAddress("localhost", echo.getLocalPort()));
            ch.open().verify(WAIT);
            ch.getInvertedIn().write('x');
            ch.getInvertedIn().flush();
            assertThat(ch.getInvertedOut().read()).isEqualTo('x');
            assertThat(node.keyIds).singleElement().asString().contains("grant=" + id);

            InProcessGateway.Result revoke = gw.exec("admin", "revoke " + id);
            assertThat(revoke.status()).as(revoke.stdout() + revoke.stderr()).isZero();
            assertThat(ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT)).contains(ClientChannelEvent.CLOSED);

            InProcessGateway.Result again = gw.exec("alice", "request mlops@gpu-node-1 --for 30m --reason debug");
            String[] more = again.stdout().strip().split("\\s+");
            String second = more[more.length - 1];
            assertThat(gw.exec("admin", "approve " + second).status()).isZero();
            try (ChannelDirectTcpip next = alice.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 40000),
                    new SshdSocketAddress("localhost", echo.getLocalPort()))) {
                next.open().verify(WAIT);
                assertThat(node.keyIds).as("certificates the node saw; forward.open of the second grant names serial "
                        + "issued for " + id).anySatisfy(k -> assertThat(k).contains("grant=" + second));
            }
        }
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
