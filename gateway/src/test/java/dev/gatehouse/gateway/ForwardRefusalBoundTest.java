package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoredEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused {@code direct-tcpip} open costs the gateway a bounded amount of audit data, however
 * long the destination the client sends (RFC 4254 section 7.2 puts no limit on it below the
 * packet size).
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardRefusalBoundTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

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
        try (InProcessGateway gw = InProcessGateway.start(dir, keys -> """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:9", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - name: engineer
                    logins: [aiops]
                    nodes: {tenant: team-a}
                    forward: {ports: [5678]}
                """.formatted(keys.get("alice"), keys.get("alice")), "alice")) {
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            ChannelDirectTcpip ch = alice.createDirectTcpipChannel(new SshdSocketAddress("127.0.0.1", 40000),
                    new SshdSocketAddress(host, 5678));
            String[] told = new String[1];
            assertThatThrownBy(() -> ch.open().verify(WAIT)).cause()
                    .isInstanceOfSatisfying(SshChannelOpenException.class, e -> told[0] = e.getMessage());
            assertThat(told[0]).as("reason sent to the client").startsWith("gatehouse: forwarding goes only")
                    .hasSizeLessThan(2_000);

            AuditEvent refused = await().atMost(WAIT).until(() -> events(gw, "forward.refused"), l -> !l.isEmpty()).get(0);
            int stored = refused.details().values().stream().mapToInt(v -> String.valueOf(v).length()).sum();
            assertThat(stored).as("characters of forward.refused details " + sizes(refused.details())).isLessThan(4_000);
        }
    }

    private static String sizes(Map<String, ?> details) {
        StringBuilder b = new StringBuilder();
        details.forEach((k, v) -> b.append(k).append('=').append(String.valueOf(v).length()).append(' '));
        return b.toString().strip();
    }

    private static List<AuditEvent> events(InProcessGateway gw, String type) {
        gw.gateway().services().audit().store().flush();
        return gw.gateway().services().audit().store().events(new EventQuery(type, null, null, null, 1000)).stream()
                .map(StoredEvent::event).toList();
    }
}
