package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.recorder.AuditEvent;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An allowed forward the node cannot serve fails the client's channel open with the stage that
 * failed and the node's own words, and leaves one {@code forward.failed} event (never a
 * {@code forward.close} for a forward that never opened): the same truthful stages as sessions.
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardFailuresTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int PORT = 8888;

    @TempDir
    Path dir;

    private InProcessGateway start(int nodePort, String hostKey) throws Exception {
        return InProcessGateway.start(dir, Forwards.engineerPolicy(nodePort, hostKey, PORT), "alice");
    }

    @Test
    void anUnreachableNodeFailsTheForwardAtTcpConnect() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (InProcessGateway gw = start(closed, TestNode.accepting().hostKeyLine())) {
            SshChannelOpenException e = refused(gw);
            assertThat(e.getReasonCode()).isEqualTo(SshConstants.SSH_OPEN_CONNECT_FAILED);
            assertThat(e.getMessage()).startsWith("gatehouse: cannot reach node 'gpu-node-1'").doesNotContain("certificate");
            AuditEvent failed = only(gw, "forward.failed");
            assertThat(failed.details()).containsEntry("stage", "tcp_connect").containsEntry("port", Integer.toString(PORT));
            assertThat(gw.events("forward.open")).isEmpty();
            assertThat(gw.events("forward.close")).isEmpty();
        }
    }

    /** Threat: a hostile node's refusal text carries terminal escapes to the engineer's terminal. */
    @Test
    void theNodesRefusalReachesTheClientWithItsReasonCodeAndEscapedWords() throws Exception {
        try (TestNode node = TestNode.refusingChannels(SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, "no forwarding\u001b[2J");
                InProcessGateway gw = start(node.port(), node.hostKeyLine())) {
            SshChannelOpenException e = refused(gw);
            assertThat(e.getReasonCode()).as("the node's own reason code").isEqualTo(SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED);
            assertThat(e.getMessage()).isEqualTo("gatehouse: node 'gpu-node-1' refused to open a direct-tcpip channel to 127.0.0.1:"
                    + PORT + ": administratively prohibited: no forwarding\\x1b[2J");
            AuditEvent failed = only(gw, "forward.failed");
            assertThat(failed.details()).containsEntry("stage", "channel_open")
                    .containsEntry("node_message", "administratively prohibited: no forwarding\u001b[2J");
            assertThat(gw.events("forward.open")).isEmpty();
            assertThat(gw.events("forward.close")).isEmpty();
            // the connection made for it goes with it
            await().atMost(WAIT).until(() -> node.live.get() == 0);
        }
    }

    private static SshChannelOpenException refused(InProcessGateway gw) throws Exception {
        ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
        ChannelDirectTcpip ch = Forwards.channel(alice, "localhost", PORT);
        SshChannelOpenException[] caught = new SshChannelOpenException[1];
        assertThatThrownBy(() -> ch.open().verify(WAIT)).cause()
                .isInstanceOfSatisfying(SshChannelOpenException.class, e -> caught[0] = e);
        assertThat(alice.isOpen()).as("the client connection goes on").isTrue();
        return caught[0];
    }

    private static AuditEvent only(InProcessGateway gw, String type) {
        await().atMost(WAIT).until(() -> !gw.events(type).isEmpty());
        List<AuditEvent> all = gw.events(type);
        assertThat(all).hasSize(1);
        return all.get(0);
    }
}
