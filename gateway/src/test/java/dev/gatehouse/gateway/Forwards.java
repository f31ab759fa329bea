package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.function.Function;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;

/**
 * Shared fixture of the forwarding tests: the policies they run under, opening a
 * {@code direct-tcpip} channel (RFC 4254 section 7.2), and taking a grant.
 */
final class Forwards {
    /** How long a channel open, a grant or an audit event may take. */
    static final Duration WAIT = Duration.ofSeconds(20);

    private Forwards() {
    }

    /**
     * alice (engineer: aiops on gpu-node-1 at 127.0.0.1:9, forwarding to {@code port}), for tests
     * where the gateway refuses before reaching the node: nothing listens there, and its pinned
     * host key line is alice's own key.
     */
    static Function<Map<String, String>, String> engineerPolicy(int port) {
        return keys -> engineerPolicy(9, keys.get("alice"), port).apply(keys);
    }

    /** alice (engineer: aiops on gpu-node-1 at 127.0.0.1:{@code nodePort}, forwarding to {@code port}). */
    static Function<Map<String, String>, String> engineerPolicy(int nodePort, String hostKey, int port) {
        return Policies.engineer(nodePort, hostKey, ", forward: {ports: [" + port + "]}");
    }

    /**
     * alice (engineer, forwarding to {@code port}, may request mlops) and admin (approver, admin)
     * on {@code node}; start the gateway with users "alice", "admin".
     */
    static Function<Map<String, String>, String> elevationPolicy(TestNode node, int port) {
        return keys -> """
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
                """.formatted(keys.get("alice"), keys.get("admin"), node.port(), node.hostKeyLine(), port);
    }

    /** alice requests mlops@gpu-node-1 for 30 minutes and admin approves; returns the grant id. */
    static String grantMlops(InProcessGateway gw) throws Exception {
        InProcessGateway.Result request = gw.exec("alice", "request mlops@gpu-node-1 --for 30m --reason debug");
        String[] words = request.stdout().strip().split("\\s+");
        String id = words[words.length - 1];
        InProcessGateway.Result approve = gw.exec("admin", "approve " + id);
        assertThat(approve.status()).as(approve.stdout() + approve.stderr()).isZero();
        return id;
    }

    /** admin revokes grant {@code id}; asserts the command succeeds and the forward's channel closes. */
    static void revokeClosing(InProcessGateway gw, String id, ChannelDirectTcpip ch) throws Exception {
        InProcessGateway.Result revoke = gw.exec("admin", "revoke " + id);
        assertThat(revoke.status()).as(revoke.stdout() + revoke.stderr()).isZero();
        assertThat(ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT)).contains(ClientChannelEvent.CLOSED);
    }

    /** A {@code direct-tcpip} channel to host:port (originator 127.0.0.1:40000), not yet opened. */
    static ChannelDirectTcpip channel(ClientSession session, String host, int port) throws Exception {
        return session.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 40000), new SshdSocketAddress(host, port));
    }

    /** A {@code direct-tcpip} channel to host:port, opened (waits up to {@link #WAIT}). */
    static ChannelDirectTcpip open(ClientSession session, String host, int port) throws Exception {
        ChannelDirectTcpip ch = channel(session, host, port);
        ch.open().verify(WAIT);
        return ch;
    }

    /** Writes one byte and asserts the echo service sends it back. */
    static void assertEchoes(ChannelDirectTcpip ch, char c) throws Exception {
        ch.getInvertedIn().write(c);
        ch.getInvertedIn().flush();
        assertThat(ch.getInvertedOut().read()).isEqualTo(c);
    }

    /** Asserts the channel's open fails (SSH_MSG_CHANNEL_OPEN_FAILURE); returns its description. */
    static String refusal(ChannelDirectTcpip ch) {
        String[] told = new String[1];
        assertThatThrownBy(() -> ch.open().verify(WAIT)).cause()
                .isInstanceOfSatisfying(SshChannelOpenException.class, e -> told[0] = e.getMessage());
        return told[0];
    }

    /**
     * An echo service, a node that would forward anywhere ({@code TestNode.accepting()}) and a
     * gateway under {@link #elevationPolicy}, closed in the reverse order.
     */
    static final class Elevation implements AutoCloseable {
        final EchoServer echo;
        final TestNode node;
        final InProcessGateway gw;

        private Elevation(EchoServer echo, TestNode node, InProcessGateway gw) {
            this.echo = echo;
            this.node = node;
            this.gw = gw;
        }

        static Elevation start(Path dir) throws Exception {
            EchoServer echo = EchoServer.start();
            TestNode node = null;
            try {
                node = TestNode.accepting();
                // the node would forward anywhere: what stops a forward is the gateway
                node.server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
                return new Elevation(echo, node, InProcessGateway.start(dir, elevationPolicy(node, echo.port()), "alice", "admin"));
            } catch (Exception | Error e) {
                try (echo; TestNode n = node) {
                    throw e;
                }
            }
        }

        /**
         * alice's first forward under grant {@code id} (connected as mlops): opened to the echo
         * service, asserted to carry a byte on the one certificate the node saw, issued for the grant.
         */
        ChannelDirectTcpip openUnderGrant(ClientSession alice, String id) throws Exception {
            ChannelDirectTcpip ch = open(alice, "localhost", echo.port());
            assertEchoes(ch, 'x');
            assertThat(node.keyIds).singleElement().asString().contains("grant=" + id);
            return ch;
        }

        @Override
        public void close() throws Exception {
            try (echo; node; gw) {
                // closed in reverse order: gateway, node, echo service
            }
        }
    }
}
