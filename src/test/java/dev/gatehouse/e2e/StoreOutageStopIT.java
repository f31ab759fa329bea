package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Threat: SIGTERM while the audit store refuses writes drops what was queued (a session's end,
 * its last output) and exits 0 as if all were well; the next start then reports a session that
 * ended normally as interrupted by a crash. The real gateway process: the stop exits non-zero and
 * says where the records are kept; the next start appends them before anything new; verify passes.
 */
class StoreOutageStopIT extends GatewayTest {

    @Test
    void sigtermDuringAnOutageExitsNonZeroKeepsTheRecordsAndTheNextStartAppendsThem() throws Exception {
        assertThat(gw.ssh(gw.alice(), Gateway.TARGET, "true").exit()).isZero();
        LiveSsh live = LiveSsh.open(gw, gw.alice(), Gateway.TARGET);
        long started = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (gw.auditLog().stream().filter(Json.type("session.start")).count() < 2 && System.nanoTime() < started) {
            NodeSshd.sleep(300);
        }
        assertThat(gw.auditLog()).filteredOn(Json.type("session.start")).as("the live session started").hasSize(2);
        Path db = gw.dataDir().resolve("audit.db");
        Process holder = new ProcessBuilder("sqlite3", db.toString()).redirectErrorStream(true).start();
        OutputStream sql = holder.getOutputStream();
        sql.write("PRAGMA busy_timeout=10000;\nBEGIN IMMEDIATE;\nSELECT 'locked';\n".getBytes(StandardCharsets.UTF_8));
        sql.flush();
        int status;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!gw.log().contains("audit store write failed") && System.nanoTime() < deadline) {
                gw.ssh(gw.alice(), Gateway.TARGET, "true"); // queues auth events the writer cannot commit
            }
            assertThat(gw.log()).contains("audit store write failed");

            status = gw.stop();
            live.awaitExit(Duration.ofSeconds(30));
        } finally {
            sql.write("ROLLBACK;\n.quit\n".getBytes(StandardCharsets.UTF_8));
            sql.flush();
            sql.close();
            holder.waitFor(10, TimeUnit.SECONDS);
            holder.destroyForcibly();
            live.close();
        }
        Path spill = gw.dataDir().resolve("audit-spill.jsonl");
        assertThat(status).as(gw.log()).isEqualTo(1);
        assertThat(gw.log()).contains("gatehouse: stopped, but the audit store could not drain")
                .contains("kept in " + spill);
        assertThat(spill).exists();
        assertThat(Files.readString(spill)).contains("\"type\":\"session.end\"").contains("\"type\":\"gateway.stop\"");

        gw.restart();
        JsonNode appended = gw.awaitEvent("audit.spill_appended", Json.type("audit.spill_appended"));
        assertThat(appended.toString()).contains("events");
        assertThat(spill).doesNotExist();
        List<JsonNode> events = gw.auditLog();
        assertThat(events).filteredOn(Json.type("session.end"))
                .as("a session that ended at the stop is not reported as a crash").isNotEmpty()
                .noneMatch(e -> e.path("outcome").asText().equals("interrupted"));
        assertThat(events).filteredOn(Json.type("gateway.stop")).isNotEmpty();
        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as(verify.describe()).isZero();
        assertThat(gw.ssh(gw.alice(), Gateway.TARGET, "echo back").stdout()).contains("back");
    }
}
