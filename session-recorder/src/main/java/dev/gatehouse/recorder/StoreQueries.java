package dev.gatehouse.recorder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** The store's reads: heads at open, event and session listings, recordings. */
final class StoreQueries {
    static final String EVENT_COLUMNS = "chain_id, seq, time_micros, type, outcome, source, user_name, node, login,"
            + " cert_serial, grant_id, session_id, details, prev_hash, hash";
    private static final String SESSION_SELECT = "SELECT s.chain_id, s.seq, s.time_micros, s.user_name, s.login,"
            + " s.node, s.source, s.session_id, s.details, e.time_micros, e.outcome, e.details"
            + " FROM audit_events s LEFT JOIN audit_events e ON e.session_id = s.session_id AND e.type = 'session.end'"
            + " WHERE s.type = 'session.start' AND s.session_id IS NOT NULL";

    /** Sequence number and hash of a chain's last record. */
    record Head(long seq, String hash) {
        static final Head EMPTY = new Head(0, ChainHash.GENESIS);
    }

    private final DataSource dataSource;

    StoreQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void ensureChain(String chainId, long createdMicros) {
        update("INSERT INTO chains (chain_id, created_micros) VALUES (?, ?) ON CONFLICT (chain_id) DO NOTHING",
                chainId, createdMicros);
    }

    Head chainHead(String chainId) {
        return head("SELECT seq, hash FROM audit_events WHERE chain_id = ? ORDER BY seq DESC LIMIT 1", chainId);
    }

    Head recordingHead(String sessionId) {
        return head("SELECT seq, hash FROM recording_chunks WHERE session_id = ? ORDER BY seq DESC LIMIT 1", sessionId);
    }

    /** A chain's newest stored checkpoint (as stored, not verified), or null. */
    CheckpointRow lastCheckpoint(String chainId) {
        List<CheckpointRow> rows = checkpoints(chainId, "ORDER BY seq DESC LIMIT 1", -1);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** The records of a chain after {@code seq} (its last checkpoint's), or null when there are none. */
    ChainResumption resumption(String chainId, long seq) {
        return list("SELECT COUNT(*), MIN(seq), MAX(seq), MIN(time_micros), MAX(time_micros) FROM audit_events"
                + " WHERE chain_id = ? AND seq > ?", List.of(chainId, seq), rs -> rs.getLong(1) == 0 ? null
                        : new ChainResumption(seq, rs.getLong(2), rs.getLong(3), rs.getLong(1), rs.getLong(4), rs.getLong(5)))
                .get(0);
    }

    /** A chain's stored checkpoints after {@code seq}, oldest first (as stored, not verified). */
    List<CheckpointRow> checkpointsAfter(String chainId, long seq) {
        return checkpoints(chainId, "AND seq > ? ORDER BY seq", seq);
    }

    private List<CheckpointRow> checkpoints(String chainId, String rest, long seq) {
        List<Object> args = seq < 0 ? List.of(chainId) : List.of(chainId, seq);
        return list("SELECT chain_id, seq, head_hash, time_micros, jws FROM checkpoints WHERE chain_id = ? " + rest, args,
                rs -> new CheckpointRow(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4), null, 0, null,
                        rs.getString(5)));
    }

    List<StoredEvent> events(EventQuery q) {
        StringBuilder sql = new StringBuilder("SELECT " + EVENT_COLUMNS + " FROM audit_events WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (q.type() != null) {
            if (q.type().endsWith(".")) {
                sql.append(" AND substr(type, 1, ?) = ?");
                args.add(q.type().length());
            } else {
                sql.append(" AND type = ?");
            }
            args.add(q.type());
        }
        if (q.user() != null) {
            sql.append(" AND user_name = ?");
            args.add(q.user());
        }
        if (q.sessionId() != null) {
            sql.append(" AND session_id = ?");
            args.add(q.sessionId());
        }
        if (q.since() != null) {
            sql.append(" AND time_micros >= ?");
            args.add(ChainHash.micros(q.since()));
        }
        sql.append(" ORDER BY time_micros, chain_id, seq LIMIT ?");
        args.add((long) Math.max(0, q.limit()));
        return list(sql.toString(), args, EventRows::event);
    }

    /** A chain's events after {@code afterSeq} in sequence order, at most {@code limit}. */
    List<StoredEvent> chainEvents(String chainId, long afterSeq, int limit) {
        return list("SELECT " + EVENT_COLUMNS + " FROM audit_events WHERE chain_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                List.of(chainId, afterSeq, (long) Math.max(0, limit)), EventRows::event);
    }

    List<SessionSummary> sessions(int limit) {
        return sessionList(SESSION_SELECT + " ORDER BY s.time_micros DESC, s.chain_id DESC, s.seq DESC LIMIT ?",
                List.of((long) Math.max(0, limit)));
    }

    Optional<SessionSummary> session(String sessionId) {
        return sessionList(SESSION_SELECT + " AND s.session_id = ? ORDER BY s.time_micros, s.seq LIMIT 1",
                List.of(sessionId)).stream().findFirst();
    }

    /** Sessions started on a chain (or any chain when null) that have no session.end anywhere. */
    List<SessionSummary> unfinished(String chainId) {
        String sql = SESSION_SELECT + " AND e.session_id IS NULL"
                + (chainId == null ? "" : " AND s.chain_id = ?") + " ORDER BY s.time_micros, s.chain_id, s.seq";
        return sessionList(sql, chainId == null ? List.of() : List.of(chainId));
    }

    List<RecordingChunk> recording(String sessionId) {
        return list("SELECT session_id, seq, stream, offset_micros, data, prev_hash, hash FROM recording_chunks"
                + " WHERE session_id = ? ORDER BY seq", List.of(sessionId), EventRows::chunk);
    }

    private List<SessionSummary> sessionList(String sql, List<Object> args) {
        // A duplicated session.end would repeat a session: keep the first row per id.
        Map<String, SessionSummary> byId = new LinkedHashMap<>();
        for (SessionSummary s : list(sql, args, EventRows::session)) {
            byId.putIfAbsent(s.id(), s);
        }
        return List.copyOf(byId.values());
    }

    private Head head(String sql, String key) {
        List<Head> rows = list(sql, List.of(key), rs -> new Head(rs.getLong(1), rs.getString(2)));
        return rows.isEmpty() ? Head.EMPTY : rows.get(0);
    }

    private void update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, List.of(args));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreUnavailableException("audit store write failed: " + BatchWriter.describe(e), e);
        }
    }

    private <T> List<T> list(String sql, List<Object> args, EventRows.Mapper<T> mapper) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("audit store read failed: " + BatchWriter.describe(e), e);
        }
    }

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (a instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (a instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else {
                ps.setString(i + 1, (String) a);
            }
        }
    }
}
