package dev.gatehouse.recorder;

import dev.gatehouse.pki.testing.TestClock;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite store on a real filesystem that fills up: a tmpfs of a few MiB this test mounts, so it
 * needs root (as CI runs); without it the test fails and says so.
 *
 * <p>Threat: a full disk that empties again leaves the store failing for good (fail closed until a
 * restart: an outage of every session), or its retries store a batch twice or lose one, breaking
 * the chain that {@code audit verify} vouches for.
 */
class SqliteDiskFullTest {
    static final String CHAIN = "gw-1";

    final HmacSigner signer = new HmacSigner("audit-key");
    final TestClock clock = new TestClock(StoreFixture.T0);

    @TempDir
    Path dir;
    Path mount;

    @BeforeEach
    void smallFilesystem() throws Exception {
        mount = dir.resolve("small");
        Files.createDirectories(mount);
        run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "gatehouse-test", mount.toString());
    }

    @AfterEach
    void unmount() throws Exception {
        run("umount", mount.toString());
    }

    @Test
    void aFullDiskFailsClosedThenHealsByItselfWithoutDuplicatesOrLoss() throws Exception {
        String url = "jdbc:sqlite:" + mount.resolve("audit.db") + "?busy_timeout=200";
        StoreOptions options = new StoreOptions(url, CHAIN, signer, clock, 100_000, StoreOptions.DEFAULT_QUEUE_BYTES, 50,
                Duration.ofSeconds(2), 1000, Duration.ofHours(1), List.of());
        Random random = new Random(13);
        int events = 0;
        int chunks = 0;
        try (AuditStore store = AuditStore.open(options)) {
            // Fill the disk with recording data (incompressible) and events until the writer fails.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (store.healthy()) {
                assertThat(System.nanoTime()).as("the 2 MiB filesystem fills").isLessThan(deadline);
                byte[] data = new byte[16 * 1024];
                random.nextBytes(data);
                store.appendChunk(RecordingChunk.of("s-1", "o", chunks * 1000L, data));
                chunks++;
                store.append(AuditEvent.of("session.data", StoreFixture.T0.plusMillis(events), "info").withUser("alice")
                        .withSessionId("s-1").with("n", events));
                events++;
                Thread.sleep(2);
            }
            // Failing: what is queued stays queued; a few more records wait with it.
            for (int i = 0; i < 5; i++) {
                store.append(AuditEvent.of("session.data", StoreFixture.T0.plusMillis(events), "info").withUser("alice")
                        .withSessionId("s-1").with("n", events));
                events++;
            }
            clock.advance(Duration.ofSeconds(7));
            Thread.sleep(500); // several failed retries (the writer's backoff), against the full disk
            assertThat(store.healthy()).isFalse();

            run("mount", "-o", "remount,size=64m", mount.toString());

            await("store healthy again", store::healthy);
            await("recovery recorded", () -> !store.events(new EventQuery("audit.store_recovered", null, null, null, 10))
                    .isEmpty());
            store.flush();
            StoredEvent recovered = store.events(new EventQuery("audit.store_recovered", null, null, null, 10)).get(0);
            assertThat(recovered.event().details()).containsEntry("down_ms", "7000");
            assertThat(Long.parseLong(recovered.event().details().get("records_waited"))).isPositive();
            // Writes go on after the recovery.
            byte[] tail = new byte[100];
            store.appendChunk(RecordingChunk.of("s-1", "o", chunks * 1000L, tail));
            chunks++;
            store.flush();
            assertThat(store.verify().problems()).isEmpty();
        }
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            assertThat(count(st, "SELECT COUNT(*) FROM recording_chunks WHERE session_id = 's-1'")).isEqualTo(chunks);
            assertThat(count(st, "SELECT MAX(seq) FROM recording_chunks WHERE session_id = 's-1'")).isEqualTo(chunks);
            assertThat(count(st, "SELECT COUNT(*) FROM audit_events WHERE type = 'session.data'")).isEqualTo(events);
            long rows = count(st, "SELECT COUNT(*) FROM audit_events WHERE chain_id = '" + CHAIN + "'");
            assertThat(count(st, "SELECT MAX(seq) FROM audit_events WHERE chain_id = '" + CHAIN + "'")).isEqualTo(rows);
        }
        try (AuditStore reader = AuditStore.open(new StoreOptions(url, null, signer, clock, 10, StoreOptions.DEFAULT_QUEUE_BYTES,
                10, Duration.ofSeconds(2), 1000, Duration.ofHours(1), List.of()))) {
            assertThat(reader.verify().problems()).isEmpty();
        }
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        org.awaitility.Awaitility.await(what).atMost(java.time.Duration.ofSeconds(20)).pollInterval(java.time.Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }

    static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (this test mounts a small tmpfs and needs root,"
                    + " as CI runs): " + out.strip());
        }
    }
}
