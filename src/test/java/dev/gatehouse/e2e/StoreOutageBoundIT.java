package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Threat: while the audit store refuses writes, a session's output is queued instead of recorded
 * until 64 MiB fill (minutes for a session printing a line a second) and the session runs on
 * unrecorded. The README promises such a session ends within 10 s of the store failing, plus up to
 * 5 s for the failure to show (here: SQLite's 5 s busy timeout against a held lock).
 */
class StoreOutageBoundIT extends GatewayTest {
    static final String UNRECORDABLE = "the audit store is unavailable; the session cannot be recorded and has been ended";

    @Test
    void aSessionWhoseOutputCannotBeRecordedEndsWithinTheStatedBound() throws Exception {
        String marker = "ticking-" + Keys.token();
        List<String> cmd = gw.sshPrefix(gw.alice());
        cmd.addAll(List.of("-l", Gateway.TARGET, "127.0.0.1", "echo " + marker + "; while true; do echo tick; sleep 0.2; done"));
        Path out = Files.createTempFile("gatehouse-tick-", ".out");
        Path err = Files.createTempFile("gatehouse-tick-", ".err");
        Process client = Proc.builder(cmd, Map.of()).redirectInput(new File("/dev/null")).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        Process holder = null;
        try {
            long opened = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Proc.tail(out).contains(marker) && System.nanoTime() < opened) {
                NodeSshd.sleep(50);
            }
            assertThat(Proc.tail(out)).as("the session runs").contains(marker);

            holder = new ProcessBuilder("sqlite3", gw.dataDir().resolve("audit.db").toString()).redirectErrorStream(true).start();
            OutputStream sql = holder.getOutputStream();
            sql.write("PRAGMA busy_timeout=10000;\nBEGIN IMMEDIATE;\nSELECT 'locked';\n".getBytes(StandardCharsets.UTF_8));
            sql.flush();
            long locked = System.nanoTime();

            assertThat(client.waitFor(30, TimeUnit.SECONDS)).as("the session ended; stderr: " + Proc.tail(err)).isTrue();
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - locked);
            assertThat(Proc.tail(err)).contains(UNRECORDABLE);
            assertThat(seconds).as("seconds from the lock to the session's end (bound: 10 s + 5 s to detect)")
                    .isLessThanOrEqualTo(16);
        } finally {
            client.destroyForcibly();
            if (holder != null) {
                holder.getOutputStream().write("ROLLBACK;\n.quit\n".getBytes(StandardCharsets.UTF_8));
                holder.getOutputStream().close();
                holder.waitFor(10, TimeUnit.SECONDS);
                holder.destroyForcibly();
            }
        }
        gw.awaitEvent("audit.store_recovered", Json.type("audit.store_recovered"));
        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as(verify.describe()).isZero();
    }
}
