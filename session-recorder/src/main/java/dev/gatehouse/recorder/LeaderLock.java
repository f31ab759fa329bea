package dev.gatehouse.recorder;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which one of the gateway instances sharing a database runs a singleton job (grant and
 * pending-request expiry, ...) now: the one holding the job's lock (DESIGN.md "Several instances
 * and operations").
 *
 * <p>PostgreSQL: a session-level advisory lock ({@code pg_try_advisory_lock}) on a connection of
 * its own ({@code application_name} {@value #APPLICATION_NAME}), keyed by the job's name and the
 * connection's schema (so installations in other schemas of the database do not contend). The
 * lock is held as long as that connection lives: when the holder dies, or its connection does,
 * PostgreSQL releases it and the next instance that asks takes it. {@link #lead()} is meant to be
 * called before each run of the job (once a second): it takes the lock when it is free, and checks
 * that a held lock's connection still works, so an instance that lost it stops at once and another
 * takes over within one call after the server noticed. While the database cannot be reached this
 * instance does not lead, and tries again after a backoff (1 s doubling to 10 s).
 *
 * <p>SQLite has one instance per database: {@link #always()} leads always.
 */
public abstract class LeaderLock implements AutoCloseable {

    /** The {@code application_name} of the lock's connection (pg_stat_activity). */
    public static final String APPLICATION_NAME = "gatehouse-leader";

    LeaderLock() {}

    /**
     * Whether this instance leads the job now: holds the lock, taking it if it is free. Never
     * throws: a database failure means "not now".
     */
    public abstract boolean lead();

    /** Releases the lock (another instance takes it at its next call); idempotent. */
    @Override
    public abstract void close();

    /** A lock that always leads: one instance per database (SQLite), or tests. */
    public static LeaderLock always() {
        return new LeaderLock() {
            @Override
            public boolean lead() {
                return true;
            }

            @Override
            public void close() {
                // nothing held
            }
        };
    }

    /**
     * The lock of {@code job} on the database of a store URL: an advisory lock on PostgreSQL,
     * {@link #always()} on SQLite.
     *
     * @param job a short stable name, the same on every instance ("access-timers")
     * @throws IllegalArgumentException for a URL of neither database or an empty job name
     */
    public static LeaderLock forStore(String jdbcUrl, String job) {
        if (job == null || job.isBlank()) {
            throw new IllegalArgumentException("a leader lock needs a job name");
        }
        return Dialect.of(jdbcUrl) == Dialect.POSTGRESQL ? new Advisory(jdbcUrl, job, System::nanoTime) : always();
    }

    /** The PostgreSQL advisory lock. */
    static final class Advisory extends LeaderLock {
        private static final Logger LOG = LoggerFactory.getLogger(LeaderLock.class);
        static final long FIRST_BACKOFF_NANOS = 1_000_000_000L;
        static final long MAX_BACKOFF_NANOS = 10_000_000_000L;

        private final String jdbcUrl;
        private final String job;
        private final LongSupplier nanos;
        private Connection connection;
        private boolean held;
        private long nextAttempt;
        private long backoff = FIRST_BACKOFF_NANOS;
        private boolean closed;
        /** The advisory lock's key: per schema and job, one parameter (the job's name). */
        private static final String KEY = "hashtextextended('gatehouse:' || COALESCE(current_schema(), '') || ':' || ?, 0)";
        /** Connection attempts so far (tests). */
        private int attempts;

        Advisory(String jdbcUrl, String job, LongSupplier nanos) {
            this.jdbcUrl = jdbcUrl;
            this.job = job;
            this.nanos = nanos;
            this.nextAttempt = nanos.getAsLong();
        }

        @Override
        public synchronized boolean lead() {
            if (closed) {
                return false;
            }
            try {
                if (held) {
                    if (connection.isValid(2)) {
                        return true;
                    }
                    LOG.warn("singleton job {}: lost the leader lock's connection; another instance takes over", job);
                    drop();
                }
                if (nanos.getAsLong() - nextAttempt < 0) {
                    return false;
                }
                if (connection == null) {
                    attempts++;
                    connection = connect();
                }
                try (PreparedStatement ps = connection.prepareStatement("SELECT pg_try_advisory_lock(" + KEY + ")")) {
                    ps.setString(1, job);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        held = rs.getBoolean(1);
                    }
                }
                backoff = FIRST_BACKOFF_NANOS;
                if (held) {
                    LOG.info("singleton job {}: this instance leads it now", job);
                }
                return held;
            } catch (SQLException e) {
                LOG.warn("singleton job {}: cannot reach the database for its leader lock ({}); not leading, trying again"
                        + " in {} s", job, BatchWriter.describe(e), backoff / 1_000_000_000L);
                drop();
                nextAttempt = nanos.getAsLong() + backoff;
                backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
                return false;
            }
        }

        synchronized int attempts() {
            return attempts;
        }

        /** The server process id of the lock's connection, 0 while there is none. */
        synchronized int backendPid() throws SQLException {
            return connection == null ? 0 : connection.unwrap(org.postgresql.PGConnection.class).getBackendPID();
        }

        private Connection connect() throws SQLException {
            Properties p = new Properties();
            p.setProperty("ApplicationName", APPLICATION_NAME);
            p.setProperty("connectTimeout", "5");
            p.setProperty("tcpKeepAlive", "true");
            return DriverManager.getConnection(jdbcUrl, p);
        }

        private void drop() {
            held = false;
            if (connection != null) {
                try {
                    connection.close(); // a session-level advisory lock goes with its session
                } catch (SQLException ignored) {
                    // gone already
                }
                connection = null;
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (held && connection != null) {
                // released before the connection closes: the server ends a closed session's locks only
                // once its backend has noticed, so another instance asking at once would still be refused
                try (PreparedStatement ps = connection.prepareStatement("SELECT pg_advisory_unlock(" + KEY + ")")) {
                    ps.setString(1, job);
                    ps.executeQuery().close();
                } catch (SQLException e) {
                    LOG.debug("singleton job {}: unlock at close failed ({}); the lock goes with the connection", job,
                            BatchWriter.describe(e));
                }
            }
            drop();
        }
    }
}
