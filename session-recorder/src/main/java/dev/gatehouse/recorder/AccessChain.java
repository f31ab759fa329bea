package dev.gatehouse.recorder;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log's hash chain (table {@code access_chain}, R29): one chain for the whole
 * database, one link per access-log row, appended in the transaction that inserts the row.
 *
 * <p>Implementation notes. Appends are serialised database-wide by {@link Dialect#beginExclusive}
 * (SQLite's write lock; PostgreSQL's EXCLUSIVE lock on {@code access_chain}, shared by every
 * gateway instance), so the head read inside the transaction is the head the link extends, seqs
 * are gapless, and a committed prefix of the chain never changes. A lock is simpler than
 * optimistic retries on the unique seq here: access writes are rare (people wait for them), and
 * under the lock the per-table seqs ({@code MAX + 1}) cannot collide either.
 */
final class AccessChain {
    private static final Logger log = LoggerFactory.getLogger(AccessChain.class);
    /** The chain's last link (seq 0 and {@link ChainHash#GENESIS} when empty). */
    record Head(long seq, String hash) {
        static final Head EMPTY = new Head(0, ChainHash.GENESIS);
    }

    /** One stored link. */
    record Link(long seq, long timeMicros, String kind, String rowKey, String rowHash, String prevHash, String hash) {
        /** The hash recomputed from the link's stored columns. */
        String recomputed() {
            return ChainHash.accessLink(seq, timeMicros, kind, rowKey, rowHash, prevHash);
        }
    }

    /** Work done inside one exclusive access-log transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    static final String LINK_COLUMNS = "seq, time_micros, kind, row_key, row_hash, prev_hash, hash";

    private AccessChain() {}

    /**
     * Runs {@code work} in an exclusive access-log transaction and commits it; rolls back on any
     * failure (a connection that cannot even roll back is evicted from the pool).
     */
    static <T> T exclusive(HikariDataSource dataSource, Dialect dialect, Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            dialect.beginExclusive(c);
            boolean committed = false;
            try {
                T result = work.run(c);
                dialect.endExclusive(c, true);
                committed = true;
                return result;
            } finally {
                if (!committed) {
                    try {
                        dialect.endExclusive(c, false);
                    } catch (SQLException e) {
                        dataSource.evictConnection(c);
                    }
                }
            }
        }
    }

    static Head head(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM access_chain ORDER BY seq DESC LIMIT 1");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? new Head(rs.getLong(1), rs.getString(2)) : Head.EMPTY;
        }
    }

    /** Inserts an access-log row and its link; the caller holds the exclusive transaction. */
    static Link insert(Connection c, AccessKind kind, Object[] row, long timeMicros) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(kind.insertSql())) {
            kind.bind(ps, row);
            ps.executeUpdate();
        }
        Link link = next(head(c), kind, row, timeMicros);
        insertLinks(c, List.of(link));
        return link;
    }

    /**
     * {@link #adopt} in its own exclusive transaction, at a writer's open.
     *
     * @return the head of the links adopted ({@link Head#EMPTY} when none)
     * @throws StoreUnavailableException when the database refuses
     */
    static Head adoptOnce(HikariDataSource dataSource, Dialect dialect, long timeMicros) {
        try {
            Head adopted = exclusive(dataSource, dialect, c -> adopt(c, timeMicros));
            if (adopted.seq() > 0) {
                log.warn("access log: {} rows stored before the access chain existed were chained now", adopted.seq());
            }
            return adopted;
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot chain the access log's existing rows: " + BatchWriter.describe(e), e);
        }
    }

    /**
     * Chains every access-log row once, when the chain is empty but the tables are not: a store
     * written before the chain existed (schema V2). Rows are adopted table by table in key order,
     * as links 1..n. The caller holds the exclusive transaction.
     *
     * @return the last adopted link ({@link Head#EMPTY} when the chain already has links or there are no rows)
     */
    static Head adopt(Connection c, long timeMicros) throws SQLException {
        Head head = head(c);
        if (head.seq() > 0) {
            return Head.EMPTY;
        }
        List<Link> links = new ArrayList<>();
        for (AccessKind kind : AccessKind.values()) {
            try (PreparedStatement ps = c.prepareStatement(kind.selectSql()); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Link link = next(head, kind, kind.read(rs), timeMicros);
                    links.add(link);
                    head = new Head(link.seq(), link.hash());
                }
            }
        }
        insertLinks(c, links);
        return head;
    }

    /** The event that binds links 1..{@code head.seq()} adopted at the upgrade ({@link AccessBindings}). */
    static AuditEvent adoptedEvent(Head head, java.time.Instant now) {
        return AuditEvent.of(AccessBindings.ADOPTED, now, "info").with("rows", head.seq()).with("first_seq", 1)
                .with("last_seq", head.seq()).with("access_hash", head.hash())
                .with("reason", "access-log rows stored before the access chain existed");
    }

    private static Link next(Head head, AccessKind kind, Object[] row, long timeMicros) {
        long seq = head.seq() + 1;
        String key = kind.key(row);
        String digest = kind.digest(row);
        return new Link(seq, timeMicros, kind.label(), key, digest, head.hash(),
                ChainHash.accessLink(seq, timeMicros, kind.label(), key, digest, head.hash()));
    }

    /** Inserts links as they are (the caller holds the exclusive transaction). */
    static void insertLinks(Connection c, List<Link> links) throws SQLException {
        RowInserter.batch(c, "INSERT INTO access_chain (" + LINK_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)", links, (ps, l) -> {
            ps.setLong(1, l.seq());
            ps.setLong(2, l.timeMicros());
            ps.setString(3, l.kind());
            ps.setString(4, l.rowKey());
            ps.setString(5, l.rowHash());
            ps.setString(6, l.prevHash());
            ps.setString(7, l.hash());
        });
    }
}
