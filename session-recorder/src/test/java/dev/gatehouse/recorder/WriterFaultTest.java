package dev.gatehouse.recorder;

import dev.gatehouse.pki.testing.TestClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/** The writer against a database that fails in chosen ways (an injected connection over real SQLite). */
class WriterFaultTest {
    static final String CHAIN = "gw-1";

    final HmacSigner signer = new HmacSigner("audit-key");
    final TestClock clock = new TestClock(StoreFixture.T0);

    @TempDir
    Path dir;

    /** Failures to inject: each counter is how many more calls fail. */
    final AtomicInteger commitsLost = new AtomicInteger();
    final AtomicInteger insertsRefused = new AtomicInteger();

    /**
     * Threat: the connection drops after COMMIT reached the database (PostgreSQL restarted, a
     * network cut), so the writer sees a failure for a batch that is stored. Retrying it blindly
     * fails on UNIQUE forever: the store never heals and every later record is lost.
     */
    @Test
    void aBatchWhoseCommitReportedAFailureIsNotStoredTwice() throws Exception {
        try (AuditStore store = open()) {
            store.append(event(1));
            store.flush();
            commitsLost.set(1);
            store.append(event(2));
            store.append(event(3));
            await("recovery recorded", () -> store.healthy() && commitsLost.get() == 0);
            store.flush();
            await("recovery event", () -> !store.events(new EventQuery("audit.store_recovered", null, null, null, 10))
                    .isEmpty());
            store.append(event(4));
            store.flush();
            List<StoredEvent> events = new java.util.ArrayList<>(store.events(EventQuery.all()));
            events.sort(java.util.Comparator.comparingLong(StoredEvent::seq));
            assertThat(events).extracting(StoredEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(events).extracting(e -> e.event().type()).containsExactly(
                    "auth.success", "auth.success", "auth.success", "audit.store_recovered", "auth.success");
            assertThat(store.verify().problems()).isEmpty();
        }
    }

    /**
     * Threat: while the database refuses writes, a session's output keeps being queued (up to 64
     * MiB) and the session runs on unrecorded for minutes. Recording data is refused once the
     * writer has failed to write for the stated bound, so the session ends.
     */
    @Test
    void recordingDataIsRefusedOnceTheStoreHasFailedForTheBound() throws Exception {
        try (AuditStore store = open()) {
            store.appendChunk(RecordingChunk.of("s-1", "o", 0, new byte[] {1}));
            store.flush();
            insertsRefused.set(Integer.MAX_VALUE);
            store.appendChunk(RecordingChunk.of("s-1", "o", 1, new byte[] {2}));
            await("store unhealthy", () -> !store.healthy());
            clock.advance(StoreOptions.UNRECORDED_OUTPUT_LIMIT.minusSeconds(1));
            store.appendChunk(RecordingChunk.of("s-1", "o", 2, new byte[] {3})); // within the bound: queued
            clock.advance(Duration.ofSeconds(1));
            assertThatThrownBy(() -> store.appendChunk(RecordingChunk.of("s-1", "o", 3, new byte[] {4})))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("not written for 10 s");
            insertsRefused.set(0);
            store.flush();
            assertThat(store.healthy()).isTrue();
            assertThat(store.recording("s-1")).hasSize(3);
            assertThat(store.verifyRecording("s-1").problems()).isEmpty();
        }
    }

    /**
     * Threat: a graceful stop during an outage drops the queued records (a session's end, its
     * last output) while exiting as if all were well; the next start then marks a session that
     * ended normally as a crash. The stop says so and keeps them in the spill file; the next start
     * verifies and appends them before anything new.
     */
    @Test
    void aStopThatCannotDrainKeepsTheRecordsAndTheNextOpenAppendsThem() throws Exception {
        String started;
        AuditStore store = open();
        store.append(event(1));
        store.flush();
        insertsRefused.set(Integer.MAX_VALUE);
        store.append(AuditEvent.of("session.start", StoreFixture.T0.plusSeconds(2), "success").withUser("alice")
                .withSessionId("s-1"));
        store.appendChunk(RecordingChunk.of("s-1", "o", 0, "last words".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        store.append(AuditEvent.of("session.end", StoreFixture.T0.plusSeconds(3), "success").withUser("alice")
                .withSessionId("s-1"));
        started = store.recordingHead("s-1").orElseThrow();
        AuditStore.Shutdown shutdown = store.shutdown();

        assertThat(shutdown.drained()).isFalse();
        assertThat(shutdown.unwritten()).isEqualTo(3);
        assertThat(shutdown.spillFile()).isEqualTo(spill()).exists();

        insertsRefused.set(0);
        try (AuditStore next = AuditStore.open(options())) {
            assertThat(spill()).doesNotExist();
            assertThat(next.unfinishedSessions()).as("the session ended normally: no crash").isEmpty();
            assertThat(next.recording("s-1")).extracting(RecordingChunk::hash).containsExactly(started);
            List<StoredEvent> appended = next.events(new EventQuery("audit.spill_appended", null, null, null, 10));
            assertThat(appended).hasSize(1);
            assertThat(appended.get(0).event().details()).containsEntry("events", "2").containsEntry("chunks", "1");
            assertThat(next.verify().problems()).isEmpty();
            assertThat(next.verifyRecording("s-1").problems()).isEmpty();
        }
    }

    /** Threat: someone edits the spill file (a user name, a command) and the next start stores the forgery. */
    @Test
    void anAlteredSpillFileIsRefusedAndNothingIsAppended() throws Exception {
        AuditStore store = open();
        store.append(event(1));
        store.flush();
        insertsRefused.set(Integer.MAX_VALUE);
        store.append(event(2));
        store.append(event(3));
        assertThat(store.shutdown().spillFile()).isEqualTo(spill());
        insertsRefused.set(0);
        java.nio.file.Files.writeString(spill(), java.nio.file.Files.readString(spill()).replace("\"alice\"", "\"mallory\""));

        assertThatThrownBy(() -> AuditStore.open(options())).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("event 2 does not match its hash").hasMessageContaining("Nothing was appended");
        assertThat(spill()).exists();
        try (AuditStore reader = AuditStore.open(new StoreOptions(url(), null, signer, clock, 10,
                StoreOptions.DEFAULT_QUEUE_BYTES, 10, Duration.ofSeconds(2), 1000, Duration.ofHours(1), List.of()))) {
            assertThat(reader.events(EventQuery.all())).extracting(StoredEvent::seq).doesNotContain(2L, 3L);
        }
    }

    private Path spill() {
        return dir.resolve("audit-spill.jsonl");
    }

    private String url() {
        return "jdbc:sqlite:" + dir.resolve("audit.db");
    }

    private StoreOptions options() {
        return new StoreOptions(url(), CHAIN, signer, clock, 1024, StoreOptions.DEFAULT_QUEUE_BYTES, 100,
                Duration.ofSeconds(2), 1000, Duration.ofHours(1), List.of()).withSpillFile(spill());
    }

    /** A store over this test's SQLite file whose connections fail as the counters say. */
    private AuditStore open() {
        String url = url();
        StoreOptions options = options();
        AuditStore.open(options).close(); // creates and migrates the schema
        SQLiteDataSource sqlite = new SQLiteDataSource();
        sqlite.setUrl(url);
        HikariConfig config = new HikariConfig();
        config.setDataSource(faulty(sqlite));
        config.setMaximumPoolSize(2);
        config.setConnectionTimeout(1_000);
        return new JdbcAuditStore(options, Dialect.SQLITE, new HikariDataSource(config));
    }

    private static AuditEvent event(int n) {
        return AuditEvent.of("auth.success", StoreFixture.T0.plusSeconds(n), "success").withUser("alice").with("n", n);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        org.awaitility.Awaitility.await(what).atMost(java.time.Duration.ofSeconds(15)).pollInterval(java.time.Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }

    /** Real connections whose INSERTs or COMMITs fail while the test's counters say so. */
    private DataSource faulty(SQLiteDataSource real) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> method.getName().equals("getConnection") ? faulty(real.getConnection())
                        : invoke(real, method, args));
    }

    private Connection faulty(Connection c) {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("commit") && commitsLost.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                c.commit();
                throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
            }
            if (method.getName().equals("prepareStatement") && String.valueOf(args[0]).startsWith("INSERT")
                    && insertsRefused.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new SQLException("[SQLITE_FULL] database or disk is full");
            }
            return invoke(c, method, args);
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
