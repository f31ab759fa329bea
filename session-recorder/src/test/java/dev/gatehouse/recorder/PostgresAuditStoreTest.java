package dev.gatehouse.recorder;

import dev.gatehouse.pki.testing.TestClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract on a real PostgreSQL (127.0.0.1:5432, user postgres, database test), each
 * test in its own fresh schema. PostgreSQL is required: when it is unreachable these tests fail.
 */
class PostgresAuditStoreTest implements AuditStoreContract, AccessLogContract, SessionSearchContract, ChainReadContract,
        InstanceRegistryContract {
    final HmacSigner signer = new HmacSigner("audit-key");
    final TestClock clock = new TestClock(T0);

    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    String schema;

    @TempDir
    Path dir;

    @BeforeEach
    void freshSchema() {
        schema = "gh_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new AssertionError("PostgreSQL is required for the audit store tests but " + SERVER
                    + " is unreachable or refused: " + e.getMessage()
                    + " (start PostgreSQL on 127.0.0.1:5432 with a 'test' database and trust auth for 'postgres')", e);
        }
    }

    @AfterEach
    void dropSchema() throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    @Override
    public HmacSigner signer() {
        return signer;
    }

    @Override
    public TestClock clock() {
        return clock;
    }

    @Override
    public String url(int lockTimeoutMs) {
        return SERVER + "&currentSchema=" + schema + "&options=-c%20lock_timeout=" + lockTimeoutMs;
    }

    @Override
    public Path scratch() {
        return dir;
    }

    @Override
    public Connection raw() throws SQLException {
        return DriverManager.getConnection(SERVER + "&currentSchema=" + schema);
    }

    @Override
    public Connection tamperConnection() throws SQLException {
        Connection c = raw();
        try (Statement st = c.createStatement()) {
            // What a superuser can do: skip user triggers for this session.
            st.execute("SET session_replication_role = replica");
        }
        return c;
    }

    @Override
    public AutoCloseable holdWriteLock() throws SQLException {
        Connection c = raw();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("LOCK TABLE audit_events, recording_chunks IN EXCLUSIVE MODE");
        }
        return () -> {
            c.rollback();
            c.close();
        };
    }

    /** Threat: TRUNCATE bypasses row triggers; a statement trigger must refuse it too. */
    @Test
    void databaseRefusesTruncate() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.append(event(1).withSessionId("s-1"));
            store.appendChunk(RecordingChunk.of("s-1", "o", 0, new byte[] {1}));
        }
        for (String table : new String[] {"audit_events", "recording_chunks", "checkpoints", "chains"}) {
            try (Connection c = raw(); Statement st = c.createStatement()) {
                assertThatThrownBy(() -> st.executeUpdate("TRUNCATE " + table)).as(table)
                        .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
            }
        }
        assertThat(count("SELECT COUNT(*) FROM audit_events")).isEqualTo(1);
    }

    /** Threat: TRUNCATE would wipe requests, revocations or locks without firing row triggers. */
    @Test
    void databaseRefusesTruncateOnEveryAccessTable() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            oneOfEach(store.accessLog());
        }
        for (String table : java.util.stream.Stream.concat(ACCESS_TABLES.stream(), java.util.stream.Stream.of("access_chain"))
                .toList()) {
            try (Connection c = raw(); Statement st = c.createStatement()) {
                assertThatThrownBy(() -> st.executeUpdate("TRUNCATE " + table)).as(table)
                        .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
            }
            assertThat(count("SELECT COUNT(*) FROM " + table)).as(table).isEqualTo(table.equals("access_chain") ? 6 : 1);
        }
    }

    @Test
    void readOnlyOpenOfAnEmptySchemaDoesNotMigrate() throws SQLException {
        assertThatThrownBy(this::openReadOnly).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("no audit store schema");
        assertThat(count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + schema + "'"))
                .isZero();
    }

    /**
     * Threat: a failed write puts an audit record's contents (user names, key fingerprints) into
     * the gateway's log: pgjdbc's batch error is "Batch entry 0 INSERT ... VALUES (...)" with every
     * value, and the pool logs it when the connection breaks. The store's connections keep values
     * out of driver errors.
     */
    @Test
    void aFailedBatchErrorCarriesNoRecordValues() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.append(event(1));
        }
        String secret = "SHA256:secret-fingerprint-" + schema;
        try (com.zaxxer.hikari.HikariDataSource pool = DataSources.open(url(), Dialect.POSTGRESQL, false);
                Connection c = pool.getConnection();
                java.sql.PreparedStatement ps = c.prepareStatement("INSERT INTO audit_events (chain_id, seq, time_micros,"
                        + " type, outcome, user_name, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, CHAIN);
            ps.setLong(2, 1); // taken: the batch fails
            ps.setLong(3, 0);
            ps.setString(4, "auth.success");
            ps.setString(5, "success");
            ps.setString(6, secret);
            ps.setString(7, "{}");
            ps.setString(8, "x");
            ps.setString(9, "y");
            ps.addBatch();
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, ps::executeBatch);
            StringBuilder all = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                all.append(t.getMessage()).append('\n');
            }
            for (SQLException next = e.getNextException(); next != null; next = next.getNextException()) {
                all.append(next.getMessage()).append('\n');
            }
            assertThat(all.toString()).contains("duplicate key").doesNotContain(secret).doesNotContain("secret-fingerprint");
        }
    }
}
