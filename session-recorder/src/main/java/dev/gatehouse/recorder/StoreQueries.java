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
    /**
     * Sessions: SSH sessions ({@code session.start}, {@code session.end}) and app sessions
     * ({@code app.session.start}, {@code app.session.end}: kind {@code app}), one id space.
     */
    private static final String SESSION_SELECT = "SELECT s.chain_id, s.seq, s.time_micros, s.user_name, s.login,"
            + " s.node, s.source, s.session_id, s.details, e.time_micros, e.outcome, e.details, s.type"
            + " FROM audit_events s LEFT JOIN audit_events e ON e.session_id = s.session_id"
            + " AND e.type IN ('session.end', 'app.session.end')"
            + " WHERE s.type IN ('session.start', 'app.session.start') AND s.session_id IS NOT NULL";

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

    /** A page of recorded sessions, newest first (see {@link SessionQuery}). */
    SessionPage searchSessions(SessionQuery q) {
        StringBuilder sql = new StringBuilder(SESSION_SELECT);
        List<Object> args = new ArrayList<>();
        equal(sql, args, "s.user_name", q.user());
        equal(sql, args, "s.node", q.node());
        equal(sql, args, "s.login", q.login());
        if (q.kind() != null) {
            if (!q.kind().matches("[a-z0-9_.-]{1,40}")) {
                throw new IllegalArgumentException("not a session kind: '" + q.kind() + "'");
            }
            if (q.kind().equals(EventRows.APP_KIND)) {
                sql.append(" AND s.type = 'app.session.start'");
            } else {
                // The details column is canonical JSON: inside a string value every quote is escaped,
                // so this pattern matches only the "kind" member itself.
                sql.append(" AND s.type = 'session.start' AND s.details LIKE ? ESCAPE '!'");
                args.add("%\"kind\":\"" + likeEscape(q.kind()) + "\"%");
            }
        }
        if (q.from() != null) {
            sql.append(" AND s.time_micros >= ?");
            args.add(ChainHash.micros(q.from()));
        }
        if (q.to() != null) {
            sql.append(" AND s.time_micros < ?");
            args.add(ChainHash.micros(q.to()));
        }
        if ("running".equals(q.outcome())) {
            sql.append(" AND e.session_id IS NULL");
        } else {
            equal(sql, args, "e.outcome", q.outcome());
        }
        if (q.text() != null && !q.text().isEmpty()) {
            sql.append(" AND EXISTS (SELECT 1 FROM session_commands c WHERE c.session_id = s.session_id"
                    + " AND lower(c.command) LIKE ? ESCAPE '!')");
            args.add("%" + likeEscape(q.text().toLowerCase(java.util.Locale.ROOT)) + "%");
        }
        if (!q.scope().all()) {
            sql.append(" AND ").append(q.scope().nodes().sql("s.node", args));
        }
        if (q.before() != null) {
            sql.append(" AND ").append(Keyset.parse(q.before()).before("s.time_micros", "s.chain_id", "s.seq", args));
        }
        sql.append(" ORDER BY s.time_micros DESC, s.chain_id DESC, s.seq DESC LIMIT ?");
        args.add((long) q.limit() + 1);
        Map<String, Found> byId = new LinkedHashMap<>();
        for (Found f : list(sql.toString(), args, StoreQueries::found)) {
            byId.putIfAbsent(f.session().session().id(), f);
        }
        List<Found> rows = new ArrayList<>(byId.values());
        String next = null;
        if (rows.size() > q.limit()) {
            rows = rows.subList(0, q.limit());
            next = rows.get(rows.size() - 1).position().cursor();
        }
        return new SessionPage(rows.stream().map(Found::session).toList(), next);
    }

    /** One recorded session with its start and end details, or empty. */
    Optional<FoundSession> foundSession(String sessionId) {
        return list(SESSION_SELECT + " AND s.session_id = ? ORDER BY s.time_micros, s.seq LIMIT 1", List.of(sessionId),
                StoreQueries::found).stream().map(Found::session).findFirst();
    }

    /** A page of audit events, newest first (see {@link EventSearch}). */
    EventPage searchEvents(EventSearch q) {
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
        equal(sql, args, "user_name", q.user());
        equal(sql, args, "node", q.node());
        equal(sql, args, "session_id", q.sessionId());
        if (q.from() != null) {
            sql.append(" AND time_micros >= ?");
            args.add(ChainHash.micros(q.from()));
        }
        if (q.to() != null) {
            sql.append(" AND time_micros < ?");
            args.add(ChainHash.micros(q.to()));
        }
        scope(sql, args, q.scope());
        if (q.before() != null) {
            sql.append(" AND ").append(Keyset.parse(q.before()).before("time_micros", "chain_id", "seq", args));
        }
        sql.append(" ORDER BY time_micros DESC, chain_id DESC, seq DESC LIMIT ?");
        args.add((long) q.limit() + 1);
        List<StoredEvent> rows = list(sql.toString(), args, EventRows::event);
        String next = null;
        if (rows.size() > q.limit()) {
            rows = rows.subList(0, q.limit());
            StoredEvent last = rows.get(rows.size() - 1);
            next = new Keyset(ChainHash.micros(last.event().time()), last.chainId(), last.seq()).cursor();
        }
        return new EventPage(rows, next);
    }

    /** Events of one chain after {@code afterSeq}, ascending by sequence number, in scope. */
    List<StoredEvent> eventsAfter(String chainId, long afterSeq, TenantScope scope, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + EVENT_COLUMNS + " FROM audit_events WHERE chain_id = ? AND seq > ?");
        List<Object> args = new ArrayList<>(List.of(chainId, afterSeq));
        scope(sql, args, scope);
        sql.append(" ORDER BY seq LIMIT ?");
        args.add((long) Math.max(0, limit));
        return list(sql.toString(), args, EventRows::event);
    }

    /** Every chain id in the store, sorted. */
    List<String> chains() {
        return list("SELECT chain_id FROM chains ORDER BY chain_id", List.of(), rs -> rs.getString(1));
    }

    /** The commands indexed for a session, in order. */
    List<String> commands(String sessionId) {
        return list("SELECT command FROM session_commands WHERE session_id = ? ORDER BY seq", List.of(sessionId),
                rs -> rs.getString(1));
    }

    /** Indexes a session's commands; a session indexed before keeps its rows. */
    void insertCommands(String sessionId, String origin, List<String> commands) {
        if (commands.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long[] seq = {0};
                RowInserter.batch(c, "INSERT INTO session_commands (session_id, seq, origin, command) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT (session_id, seq) DO NOTHING", commands, (ps, command) -> {
                            ps.setString(1, sessionId);
                            ps.setLong(2, ++seq[0]);
                            ps.setString(3, origin);
                            ps.setString(4, command);
                        });
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("audit store write failed: " + BatchWriter.describe(e), e);
        }
    }

    /** A session row and its position in the newest-first order. */
    private record Found(FoundSession session, Keyset position) {}

    private static Found found(ResultSet rs) throws SQLException {
        SessionSummary summary = EventRows.session(rs);
        String endDetails = rs.getString(12);
        FoundSession session = new FoundSession(rs.getString(1), summary, CanonicalJson.parseDetails(rs.getString(9)),
                summary.end() == null || endDetails == null ? Map.of() : CanonicalJson.parseDetails(endDetails));
        return new Found(session, new Keyset(rs.getLong(3), rs.getString(1), rs.getLong(2)));
    }

    private static void scope(StringBuilder sql, List<Object> args, TenantScope scope) {
        if (!scope.all()) {
            sql.append(" AND ((node IS NOT NULL AND ").append(scope.nodes().sql("node", args))
                    .append(") OR (node IS NULL AND ").append(scope.users().sql("user_name", args)).append("))");
        }
    }

    private static void equal(StringBuilder sql, List<Object> args, String column, String value) {
        if (value != null) {
            sql.append(" AND ").append(column).append(" = ?");
            args.add(value);
        }
    }

    /** Escapes LIKE's wildcards with {@code !} (the queries say {@code ESCAPE '!'}). */
    static String likeEscape(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
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
