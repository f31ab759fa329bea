package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * An OpenSSH ControlMaster multiplexes a user's sessions over one connection to the gateway; the
 * gateway multiplexes them over one upstream connection to the node too, as a direct login would.
 * With one upstream connection per channel, 15 parallel sessions pushed a node with the default
 * {@code MaxStartups 10:30:100} into dropping connections, and users saw failed sessions.
 */
class ControlMasterIT extends GatewayTest {
    private static final int SESSIONS = 15;

    @Test
    void fifteenParallelSessionsOverOneControlMasterShareFewUpstreamConnections() throws Exception {
        String controlPath = "/tmp/gh-cm-" + Keys.token().substring(0, 8);
        List<String> mux = List.of("-o", "ControlMaster=auto", "-o", "ControlPath=" + controlPath, "-o", "ControlPersist=60");
        List<JsonNode> before = gw.auditLog();
        long loginsBefore = node.loginCount();
        Proc.Result master = gw.ssh(gw.alice(), Gateway.TARGET, "echo master-up", mux.toArray(String[]::new));
        assertThat(master.exit()).as(master.describe()).isZero();

        ExecutorService pool = Executors.newFixedThreadPool(SESSIONS);
        try {
            List<Future<Proc.Result>> runs = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                String marker = "session-" + i;
                // each holds its channel a moment, so all fifteen are open on the node at once
                runs.add(pool.submit(() -> gw.ssh(gw.alice(), Gateway.TARGET, "sleep 3; echo " + marker, mux.toArray(String[]::new))));
            }
            for (int i = 0; i < SESSIONS; i++) {
                Proc.Result r = runs.get(i).get();
                assertThat(r.exit()).as(r.describe()).isZero();
                assertThat(r.stdout()).isEqualTo("session-" + i + "\n");
            }
        } finally {
            pool.shutdownNow();
            Proc.run(List.of("ssh", "-o", "ControlPath=" + controlPath, "-O", "exit", "127.0.0.1"));
        }

        // sshd's MaxSessions (10) lets at most 10 sessions share a connection: 16 sessions need 2,
        // and a third only when the master's own session still held a slot as the others opened
        long logins = node.loginCount() - loginsBefore;
        assertThat(logins).as("logins the node saw\n" + node.log()).isBetween(2L, 3L);
        List<JsonNode> events = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .pollInterval(java.time.Duration.ofMillis(500))
                .until(() -> Json.since(before, gw.auditLog()), e -> Json.count(e, Json.type("session.end")) == SESSIONS + 1);
        assertThat(Json.count(events, Json.type("cert.issued"))).as(Json.tail(events, 40)).isEqualTo(logins);
        assertThat(Json.count(events, Json.type("session.start"))).isEqualTo(SESSIONS + 1);
        assertThat(Json.count(events, Json.type("upstream.failure"))).isZero();
    }
}
