package dev.gatehouse.recorder;

import dev.gatehouse.pki.testing.TestClock;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The store against a PostgreSQL that is stopped and started again: a private server this test
 * runs (never the shared one).
 *
 * <p>Threat: after a database outage the gateway stays fail-closed until someone restarts it, or
 * its retries store records twice or lose the ones queued during the outage.
 */
class PostgresRestartTest {
    static final String CHAIN = "gw-1";

    final HmacSigner signer = new HmacSigner("audit-key");
    final TestClock clock = new TestClock(StoreFixture.T0);

    @Test
    void aStoppedAndRestartedPostgresFailsClosedThenHealsByItself() throws Exception {
        try (PrivatePostgres pg = PrivatePostgres.start()) {
            StoreOptions options = new StoreOptions(pg.url(), CHAIN, signer, clock, 10_000, StoreOptions.DEFAULT_QUEUE_BYTES,
                    100, Duration.ofSeconds(2), 1000, Duration.ofHours(1), List.of());
            int events = 0;
            int chunks = 0;
            try (AuditStore store = AuditStore.open(options)) {
                for (; events < 10; events++) {
                    store.append(event(events));
                }
                store.appendChunk(RecordingChunk.of("s-1", "o", 0, new byte[] {1, 2, 3}));
                chunks++;
                store.flush();

                pg.stopServer();
                store.append(event(events++));
                await("store unhealthy", () -> !store.healthy());
                for (int i = 0; i < 5; i++) {
                    store.append(event(events++));
                    store.appendChunk(RecordingChunk.of("s-1", "o", chunks, new byte[] {(byte) chunks}));
                    chunks++;
                }
                clock.advance(Duration.ofSeconds(9));
                pg.startServer();

                await("store healthy again", store::healthy);
                await("recovery recorded", () -> !store.events(new EventQuery("audit.store_recovered", null, null, null, 10))
                        .isEmpty());
                store.flush();
                StoredEvent recovered = store.events(new EventQuery("audit.store_recovered", null, null, null, 10)).get(0);
                assertThat(recovered.event().details()).containsEntry("down_ms", "9000");
                assertThat(Long.parseLong(recovered.event().details().get("records_waited"))).isGreaterThanOrEqualTo(11);
                assertThat(store.verify().problems()).isEmpty();
                assertThat(store.verifyRecording("s-1").problems()).isEmpty();
            }
            try (Connection c = DriverManager.getConnection(pg.url()); Statement st = c.createStatement()) {
                assertThat(count(st, "SELECT COUNT(*) FROM audit_events WHERE type = 'session.data'")).isEqualTo(events);
                assertThat(count(st, "SELECT COUNT(*) FROM recording_chunks")).isEqualTo(chunks);
                long rows = count(st, "SELECT COUNT(*) FROM audit_events WHERE chain_id = '" + CHAIN + "'");
                assertThat(count(st, "SELECT MAX(seq) FROM audit_events WHERE chain_id = '" + CHAIN + "'")).isEqualTo(rows);
            }
        }
    }

    private static AuditEvent event(int n) {
        return AuditEvent.of("session.data", StoreFixture.T0.plusMillis(n), "info").withUser("alice").with("n", n);
    }

    private static long count(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        org.awaitility.Awaitility.await(what).atMost(java.time.Duration.ofSeconds(30)).pollInterval(java.time.Duration.ofMillis(50))
                .until(condition::getAsBoolean);
    }
}
