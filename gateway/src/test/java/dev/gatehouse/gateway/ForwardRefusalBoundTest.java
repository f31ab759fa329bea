package dev.gatehouse.gateway;

import static dev.gatehouse.gateway.Forwards.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.recorder.AuditEvent;
import java.nio.file.Path;
import java.util.Map;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused {@code direct-tcpip} open costs the gateway a bounded amount of audit data, however
 * long the destination the client sends (RFC 4254 section 7.2 puts no limit on it below the
 * packet size).
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardRefusalBoundTest {
    @TempDir
    Path dir;

    /**
     * Threat: an authenticated user fills the audit store (and every auditor's listing) by opening
     * forwards to 100 KB destination names, each copied whole into several fields of
     * {@code forward.refused} and into the reason sent back.
     */
    @Test
    void aVeryLongDestinationIsRefusedWithABoundedEventAndReason() throws Exception {
        String host = "h".repeat(100_000);
        try (InProcessGateway gw = InProcessGateway.start(dir, Forwards.engineerPolicy(5678), "alice")) {
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            String told = Forwards.refusal(Forwards.channel(alice, host, 5678));
            assertThat(told).as("reason sent to the client").startsWith("gatehouse: forwarding goes only")
                    .hasSizeLessThan(2_000);

            AuditEvent refused = await().atMost(WAIT).until(() -> gw.events("forward.refused"), l -> !l.isEmpty()).get(0);
            int stored = refused.details().values().stream().mapToInt(v -> String.valueOf(v).length()).sum();
            assertThat(stored).as("characters of forward.refused details " + sizes(refused.details())).isLessThan(4_000);
        }
    }

    private static String sizes(Map<String, ?> details) {
        StringBuilder b = new StringBuilder();
        details.forEach((k, v) -> b.append(k).append('=').append(String.valueOf(v).length()).append(' '));
        return b.toString().strip();
    }
}
