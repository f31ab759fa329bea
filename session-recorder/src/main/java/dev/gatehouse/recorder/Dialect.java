package dev.gatehouse.recorder;

import java.sql.Connection;
import java.sql.SQLException;
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
}
