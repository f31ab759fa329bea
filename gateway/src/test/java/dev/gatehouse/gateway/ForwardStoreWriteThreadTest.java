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
 * Opening an elevated forward records its certificate with the grant (R02) off the I/O thread, as
 * the session path does ({@code SessionPath#storeWrites}): the client connection's other traffic is
 * not held up while the store is slow or locked.
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardStoreWriteThreadTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /**
     * Threat: a slow or locked audit store (up to its 5 s lock timeout per write) freezes an I/O
     * thread and every packet of the client's connection each time an elevated forward opens.
     */
    @Test
    void openingAnElevatedForwardWhileTheStoreIsLockedDoesNotStallTheConnection() throws Exception {
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
            String url = "jdbc:sqlite:" + dir.resolve("data").resolve("audit.db");
            try (java.sql.Connection locker = java.sql.DriverManager.getConnection(url)) {
                locker.setAutoCommit(false);
                try (java.sql.Statement st = locker.createStatement()) {
                    // a writer holds the database, as a long checkpoint or another process may
                    st.execute("CREATE TABLE review_lock (x INTEGER)");
                }
                ChannelDirectTcpip ch = alice.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 40000),
                        new SshdSocketAddress("localhost", echo.getLocalPort()));
                ch.open();
                long start = System.nanoTime();
                org.apache.sshd.common.util.buffer.Buffer ping = alice.createBuffer(org.apache.sshd.common.SshConstants.SSH_MSG_GLOBAL_REQUEST);
                ping.putString("keepalive@openssh.com");
                ping.putBoolean(true);
                alice.request("keepalive@openssh.com", ping, WAIT);
                Duration answered = Duration.ofNanos(System.nanoTime() - start);
                locker.rollback();
                assertThat(answered).as("time to answer a keepalive sent right after the forward's open").isLessThan(Duration.ofSeconds(1));
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
