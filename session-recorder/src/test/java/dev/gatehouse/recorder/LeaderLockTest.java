package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Singleton jobs' leader lock on the real PostgreSQL, each test in a schema of its own (the lock is per schema). */
class LeaderLockTest {
    static final String SERVER = PostgresAuditStoreTest.SERVER;
    String schema;

    @BeforeEach
    void freshSchema() throws SQLException {
        schema = "gh_lead_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("CREATE SCHEMA " + schema);
        }
    }

    @AfterEach
    void dropSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    String url() {
        return SERVER + "&currentSchema=" + schema;
    }

    /** Threat (duplicate writes): two instances both running a singleton job. Only one leads at a time. */
    @Test
    void oneOfTwoInstancesLeadsAndTheOtherTakesOverWhenItStops() {
        try (LeaderLock a = LeaderLock.forStore(url(), "access-timers"); LeaderLock b = LeaderLock.forStore(url(), "access-timers")) {
            assertThat(a.lead()).isTrue();
            assertThat(b.lead()).isFalse();
            assertThat(a.lead()).isTrue(); // still
            assertThat(b.lead()).isFalse();
            a.close(); // the leader stops
            assertThat(b.lead()).isTrue();
            assertThat(a.lead()).isFalse();
        }
    }

    /** Jobs and schemas are apart: another job, or another installation's schema, has a lock of its own. */
    @Test
    void locksArePerJobAndPerSchema() throws SQLException {
        try (LeaderLock a = LeaderLock.forStore(url(), "access-timers"); LeaderLock other = LeaderLock.forStore(url(), "retention");
                LeaderLock elsewhere = LeaderLock.forStore(SERVER + "&currentSchema=" + schema + "_x", "access-timers")) {
            assertThat(a.lead()).isTrue();
            assertThat(other.lead()).isTrue();
            assertThat(elsewhere.lead()).isTrue();
        }
    }

    /** The leader's connection killed (its host died, a DBA ended it): PostgreSQL frees the lock and the other takes over. */
    @Test
    void aKilledLeaderConnectionHandsTheJobOver() throws SQLException {
        try (LeaderLock.Advisory a = new LeaderLock.Advisory(url(), "access-timers", System::nanoTime);
                LeaderLock b = LeaderLock.forStore(url(), "access-timers")) {
            assertThat(a.lead()).isTrue();
            assertThat(b.lead()).isFalse();
            kill(a.backendPid());
            await().atMost(Duration.ofSeconds(5)).until(b::lead);
            assertThat(a.lead()).as("the old leader finds its lock gone").isFalse();
        }
    }

    /** SQLite has one instance per database: it always leads. */
    @Test
    void sqliteAlwaysLeads() {
        try (LeaderLock l = LeaderLock.forStore("jdbc:sqlite:/tmp/never-opened.db", "access-timers")) {
            assertThat(l.lead()).isTrue();
        }
    }

    /** An unreachable database: not leading, and not asked again before the backoff (no connect storm every tick). */
    @Test
    void anUnreachableDatabaseMeansNotLeadingWithBackoff() {
        AtomicLong now = new AtomicLong(0);
        try (LeaderLock.Advisory l = new LeaderLock.Advisory(
                "jdbc:postgresql://127.0.0.1:1/test?user=postgres&connectTimeout=1", "access-timers", now::get)) {
            assertThat(l.lead()).isFalse();
            assertThat(l.attempts()).isEqualTo(1);
            assertThat(l.lead()).isFalse(); // within the backoff: no attempt
            assertThat(l.attempts()).isEqualTo(1);
            now.addAndGet(LeaderLock.Advisory.FIRST_BACKOFF_NANOS);
            assertThat(l.lead()).isFalse();
            assertThat(l.attempts()).isEqualTo(2);
            now.addAndGet(LeaderLock.Advisory.FIRST_BACKOFF_NANOS); // the backoff doubled: 1 s is not enough now
            assertThat(l.lead()).isFalse();
            assertThat(l.attempts()).isEqualTo(2);
        }
    }

    private static void kill(int pid) throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER); PreparedStatement ps = c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ? AND application_name = ?")) {
            ps.setInt(1, pid);
            ps.setString(2, LeaderLock.APPLICATION_NAME);
            try (var rs = ps.executeQuery()) {
                assertThat(rs.next() && rs.getBoolean(1)).as("killed the leader's connection").isTrue();
            }
        }
    }
}
