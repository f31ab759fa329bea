package dev.gatehouse.recorder;

import dev.gatehouse.pki.testing.TestClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on embedded SQLite (the default), plus its file handling. */
class SqliteAuditStoreTest implements AuditStoreContract, AccessLogContract, SessionSearchContract, ChainReadContract,
        InstanceRegistryContract {
    final HmacSigner signer = new HmacSigner("audit-key");
    final TestClock clock = new TestClock(T0);

    @TempDir
    Path dir;
    Path db;

    @BeforeEach
    void file() {
        db = dir.resolve("data").resolve("audit.db");
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
        return "jdbc:sqlite:" + db + "?busy_timeout=" + lockTimeoutMs;
    }

    @Override
    public Path scratch() {
        return dir;
    }

    @Override
    public Connection raw() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db);
    }

    @Override
    public Connection tamperConnection() throws SQLException {
        Connection c = raw();
        try (Statement st = c.createStatement()) {
            for (String table : new String[] {"audit_events", "recording_chunks", "checkpoints", "chains", "access_requests",
                "access_decisions", "access_locks", "access_issued", "totp_secrets", "access_chain"}) {
                st.executeUpdate("DROP TRIGGER IF EXISTS " + table + "_no_update");
                st.executeUpdate("DROP TRIGGER IF EXISTS " + table + "_no_delete");
            }
        }
        return c;
    }

    @Override
    public AutoCloseable holdWriteLock() throws SQLException {
        Connection c = raw();
        Statement st = c.createStatement();
        st.execute("BEGIN IMMEDIATE");
        return () -> {
            st.execute("ROLLBACK");
            st.close();
            c.close();
        };
    }

    @Test
    void databaseFileIsCreatedPrivateInWalMode() throws Exception {
        try (AuditStore store = open(CHAIN)) {
            store.append(event(1));
        }
        assertThat(Files.getPosixFilePermissions(db)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (Connection c = raw(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
        }
    }

    @Test
    void aNewStoreUsesSixteenKibPagesForItsRecordingChunks() throws Exception {
        try (AuditStore store = open(CHAIN)) {
            store.append(event(1));
        }
        assertThat(pragma("page_size")).isEqualTo(String.valueOf(DataSources.SQLITE_PAGE_SIZE));
        assertThat(pragma("journal_mode")).isEqualToIgnoringCase("wal");
    }

    @Test
    void anEmptyFileLeftByAnInterruptedStartIsInitialisedLikeANewOne() throws Exception {
        Files.createDirectories(db.getParent());
        Files.createFile(db);
        try (AuditStore store = open(CHAIN)) {
            store.append(event(1));
        }
        assertThat(pragma("page_size")).isEqualTo(String.valueOf(DataSources.SQLITE_PAGE_SIZE));
    }

    /** A store created before the page size changed keeps its own pages, its data and its chain. */
    @Test
    void anExistingStoreKeepsItsPageSize() throws Exception {
        Files.createDirectories(db.getParent());
        try (Connection c = raw(); Statement st = c.createStatement()) {
            st.execute("PRAGMA page_size = 4096");
            st.execute("PRAGMA journal_mode = WAL");
        }
        try (AuditStore store = open(CHAIN)) {
            store.append(event(1));
        }
        try (AuditStore store = open(CHAIN)) {
            store.append(event(2));
            store.flush();
            assertThat(store.verify().problems()).isEmpty();
        }
        assertThat(pragma("page_size")).isEqualTo("4096");
    }

    private String pragma(String name) throws SQLException {
        try (Connection c = raw(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void readOnlyOpenOfAMissingFileCreatesNothing() {
        assertThatThrownBy(this::openReadOnly).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("no audit store at");
        assertThat(Files.exists(db)).isFalse();
    }

    @Test
    void triggersAreNamedForTheEndToEndTests() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.flush();
        }
        try (Connection c = raw(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
                        + " AND name IN ('audit_events_no_update', 'audit_events_no_delete', 'recording_chunks_no_update',"
                        + " 'recording_chunks_no_delete', 'checkpoints_no_update', 'checkpoints_no_delete',"
                        + " 'chains_no_update', 'chains_no_delete')")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(8);
        }
    }

    @Test
    void accessTriggersAreNamedLikeTheAuditOnes() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.flush();
        }
        for (String table : java.util.stream.Stream.concat(ACCESS_TABLES.stream(), java.util.stream.Stream.of("access_chain"))
                .toList()) {
            try (Connection c = raw(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'"
                            + " AND tbl_name = '" + table + "' AND name IN ('" + table + "_no_update', '" + table
                            + "_no_delete')")) {
                rs.next();
                assertThat(rs.getInt(1)).as(table).isEqualTo(2);
            }
        }
    }
}
