package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Threat: while the audit store cannot take writes, sessions keep opening and nothing of them is
 * recorded (R15: fail closed, visibly, and say so in the log once the store is back).
 */
class StoreOutageIT extends GatewayTest {

    @Test
    void newSessionsAreRefusedWhileTheStoreIsLockedAndAcceptedOnceItRecovers() throws Exception {
        assertThat(gw.ssh(gw.alice(), Gateway.TARGET, "true").exit()).isZero();
        Path db = gw.dataDir().resolve("audit.db");
        // another process takes the database's write lock and keeps it: every commit of the gateway now fails
        Process holder = new ProcessBuilder("sqlite3", db.toString()).redirectErrorStream(true).start();
        OutputStream sql = holder.getOutputStream();
        sql.write("PRAGMA busy_timeout=10000;\nBEGIN IMMEDIATE;\nSELECT 'locked';\n".getBytes(StandardCharsets.UTF_8));
        sql.flush();
        try {
            String refusal = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && refusal == null) {
                long connectionsBefore = node.connectionCount();
                Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "true");
                if (r.stderr().contains("audit store is unavailable")) {
                    assertThat(r.exit()).as(r.describe()).isEqualTo(1);
                    assertThat(node.connectionCount()).as("refused before any upstream connection").isEqualTo(connectionsBefore);
                    refusal = r.stderr();
                } else {
                    NodeSshd.sleep(500);
                }
            }
            assertThat(refusal).as("a new session was refused while the store was locked").isNotNull();
            assertThat(refusal.strip()).startsWith("gatehouse: the audit store is unavailable");
            assertThat(gw.log()).contains("ERROR").contains("audit store");
        } finally {
            sql.write("ROLLBACK;\n.quit\n".getBytes(StandardCharsets.UTF_8));
            sql.flush();
            sql.close();
            holder.waitFor(10, TimeUnit.SECONDS);
            holder.destroyForcibly();
        }

        gw.awaitEvent("audit.store_recovered after the lock is released", Json.type("audit.store_recovered"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Proc.Result again;
        do {
            again = gw.ssh(gw.alice(), Gateway.TARGET, "echo back");
        } while (again.exit() != 0 && System.nanoTime() < deadline && sleep());
        assertThat(again.exit()).as(again.describe()).isZero();
        assertThat(again.stdout()).contains("back");
        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as(verify.describe()).isZero();
    }

    private static boolean sleep() {
        NodeSshd.sleep(500);
        return true;
    }
}
