package dev.gatehouse.recorder;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/** The two supported databases and the few places where they differ. */
enum Dialect {
    SQLITE("sqlite"),
    POSTGRESQL("postgresql");

    private final String migrations;

    Dialect(String migrations) {
        this.migrations = migrations;
    }

    static Dialect of(String jdbcUrl) {
        String url = jdbcUrl.toLowerCase(Locale.ROOT);
        if (url.startsWith("jdbc:sqlite:")) {
            return SQLITE;
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        throw new IllegalArgumentException("unsupported audit store URL " + StoreFactory.redact(jdbcUrl)
                + ": use jdbc:sqlite:PATH or jdbc:postgresql://HOST:PORT/DATABASE");
    }

    /** Classpath folder of this dialect's versioned migration scripts. */
    String migrationLocation() {
        return "classpath:db/gatehouse/" + migrations;
    }

    /**
     * Prepares a connection for a long, streamed read. PostgreSQL only streams rows (fetch size)
     * inside a transaction; SQLite reads one consistent snapshot per statement either way, and a
     * transaction there would only pin the WAL longer.
     */
    void beginStreamedRead(Connection connection) throws SQLException {
        if (this == POSTGRESQL) {
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
        }
    }

    void endStreamedRead(Connection connection) throws SQLException {
        if (this == POSTGRESQL) {
            connection.rollback();
        }
    }

    /**
     * Starts a transaction that excludes every other access-log writer on the database, from
     * every gateway instance, until {@link #endExclusive}.
     * SQLite: {@code BEGIN IMMEDIATE} takes the database's write lock now, so the access chain's
     * head read next cannot go stale (a deferred transaction that reads before it writes fails
     * with SQLITE_BUSY_SNAPSHOT when another connection commits in between). PostgreSQL:
     * {@code access_chain} is locked in EXCLUSIVE mode, which only writers of that table wait for;
     * readers (verify, the checkpoint writer reading the head) do not.
     */
    void beginExclusive(Connection c) throws SQLException {
        if (this == SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
            return;
        }
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE access_chain IN EXCLUSIVE MODE");
        } catch (SQLException e) {
            endExclusive(c, false);
            throw e;
        }
    }

    /** Commits (or rolls back) what {@link #beginExclusive} started. */
    void endExclusive(Connection c, boolean commit) throws SQLException {
        if (this == SQLITE) {
            try (Statement s = c.createStatement()) {
                s.execute(commit ? "COMMIT" : "ROLLBACK");
            }
            return;
        }
        if (commit) {
            c.commit();
        } else {
            c.rollback();
        }
        c.setAutoCommit(true);
    }
}
