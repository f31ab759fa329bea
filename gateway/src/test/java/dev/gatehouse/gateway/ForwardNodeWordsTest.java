package dev.gatehouse.gateway;

import static dev.gatehouse.gateway.Forwards.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.recorder.AuditEvent;
import java.nio.file.Path;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a node says when it refuses a forward's {@code direct-tcpip} channel (RFC 4254 section 5.1
 * description) reaches the user's client only escaped and bounded, and the audit log only bounded,
 * as the session path already does for the same words ({@code ChannelOpenFailure}, {@code ClientExit}).
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardNodeWordsTest {
    /** Clears the screen, retitles the terminal and rings the bell, then a very long tail. */
    private static final String HOSTILE = "\u001b[2J\u001b]0;you are root\u0007open failed " + "A".repeat(20_000);

    @TempDir
    Path dir;

    /**
     * Threat: a compromised or hostile node writes ANSI/OSC escapes (and 20 KB of text) into its
     * channel-open failure, and the gateway relays them raw to the user's terminal and the audit log.
     */
    @Test
    void aNodesRefusalOfAForwardReachesTheClientAndTheAuditLogEscapedAndBounded() throws Exception {
        try (TestNode node = TestNode.refusingChannels(SshConstants.SSH_OPEN_CONNECT_FAILED, HOSTILE);
                InProcessGateway gw = InProcessGateway.start(dir,
                        Forwards.engineerPolicy(node.port(), node.hostKeyLine(), 5678), "alice")) {
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            String told = Forwards.refusal(Forwards.channel(alice, "localhost", 5678));
            assertThat(told).as("the node's words reached the client").contains("open failed");
            assertThat(told).as("description the client prints").doesNotContain("\u001b", "\u0007")
                    .hasSizeLessThan(2_000);

            // a forward the node refused never opened: its one event is forward.failed
            AuditEvent failed = await().atMost(WAIT).until(() -> gw.events("forward.failed"), l -> !l.isEmpty()).get(0);
            // the store keeps text as given (audit log escapes on display), but bounded
            assertThat(failed.details().get("reason")).as("audit reason").hasSizeLessThan(2_000);
            assertThat(failed.details().get("node_message")).as("the node's words").hasSizeLessThan(2_000);
        }
    }
}
