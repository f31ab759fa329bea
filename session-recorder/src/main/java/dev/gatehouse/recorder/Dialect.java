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
     * Starts a read of one consistent snapshot of the whole database, for verify: every table as
     * of one moment, however long the reads take while gateways write. PostgreSQL: a read-only
     * REPEATABLE READ transaction (its snapshot is taken at the first statement; rows stream by
     * fetch size only inside a transaction anyway). SQLite: a deferred read transaction on this
     * one connection; in WAL mode it reads the snapshot of its first statement until it ends
     * (writers go on; the WAL is not checkpointed past that snapshot meanwhile).
     */
    void beginSnapshotRead(Connection connection) throws SQLException {
        if (this == POSTGRESQL) {
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
        }
        connection.setAutoCommit(false);
    }

    /** Ends what {@link #beginSnapshotRead} started (nothing was written: it rolls back). */
    void endSnapshotRead(Connection connection) throws SQLException {
        connection.rollback();
        connection.setAutoCommit(true);
        if (this == POSTGRESQL) {
            connection.setReadOnly(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
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
