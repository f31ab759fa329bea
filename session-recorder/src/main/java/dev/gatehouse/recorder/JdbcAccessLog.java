package dev.gatehouse.recorder;

import static dev.gatehouse.recorder.AccessRows.DECISION_COLUMNS;
import static dev.gatehouse.recorder.AccessRows.ISSUED_COLUMNS;
import static dev.gatehouse.recorder.AccessRows.LOCK_COLUMNS;
import static dev.gatehouse.recorder.AccessRows.REQUEST_COLUMNS;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log over the audit store's pool (SQLite or PostgreSQL).
 *
 * <p>Implementation notes. Each write is one transaction, durable when it returns: it inserts the
 * row and its link on the access chain ({@link AccessChain}), serialised database-wide against
 * every other access-log writer, so sequence numbers ({@code MAX(seq) + 1}) cannot collide and
 * the chain stays gapless. Decisions and issued certificates check their request inside that
 * transaction, so a row about an unknown request is refused as bad input and stores nothing.
 * Once committed, the new link is handed to {@code onChained}, which records its binding event
 * ({@code access.chained}, {@link AccessBindings}); the store signs only links bound so. This
 * instance's writes are also ordered by a lock held until the event is queued, so its binding
 * events are queued in link order and a checkpoint never signs a link past one still unbound. A
 * binding that cannot be queued (the store refuses appends) is kept and queued first at the
 * next write; if the gateway stops first, the next start records the link as {@code access.unbound}.
 */
final class JdbcAccessLog implements AccessLog {
    private static final Logger log = LoggerFactory.getLogger(JdbcAccessLog.class);

    @FunctionalInterface
    private interface RowBuilder {
        Object[] build(Connection c) throws SQLException;
    }

    private final HikariDataSource dataSource;
    private final Dialect dialect;
    private final boolean readOnly;
    private final Clock clock;
    private final Consumer<AccessChain.Link> onChained;
    /** Waits until the events this store queued are committed (reads see the writer's own binding events). */
    private final Runnable awaitQueued;
    private final ReentrantLock writeOrder = new ReentrantLock();
    /** Committed links whose binding event is not queued yet, oldest first; guarded by {@link #writeOrder}. */
    private final ArrayDeque<AccessChain.Link> unbound = new ArrayDeque<>();

    JdbcAccessLog(HikariDataSource dataSource, Dialect dialect, boolean readOnly, Clock clock,
            Consumer<AccessChain.Link> onChained, Runnable awaitQueued) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.readOnly = readOnly;
        this.clock = clock;
        this.onChained = onChained;
        this.awaitQueued = awaitQueued;
    }

    @Override
    public void createRequest(RequestRow r, long expectedHead) {
        AccessRows.check(r);
        write("store access request " + r.id(), AccessKind.REQUEST, expectedHead, c -> {
            if (exists(c, "SELECT 1 FROM access_requests WHERE id = ?", r.id())) {
                throw new IllegalArgumentException("access request " + r.id() + " already exists: request ids are unique");
            }
            return new Object[] {r.id(), r.requester(), r.tenant(), r.login(), r.targetNode(),
                r.targetSelector() == null ? null : CanonicalJson.details(r.targetSelector()), r.duration().getSeconds(),
                r.reason(), ChainHash.micros(r.created())};
        });
    }

    @Override
    public long appendDecision(DecisionRow d, long expectedHead) {
        AccessRows.check(d);
        Object[] row = write("store the " + d.action() + " decision on request " + d.requestId(), AccessKind.DECISION,
                expectedHead, c -> {
                    requireRequest(c, d.requestId(), "a decision");
                    return new Object[] {d.requestId(),
                        nextSeq(c, "SELECT COALESCE(MAX(seq), 0) + 1 FROM access_decisions WHERE request_id = ?",
                                d.requestId()),
                        d.action(), d.actor(), d.comment(), ChainHash.micros(d.time()), d.certificateSerial(), d.jws()};
                });
        return (Long) row[1];
    }

    @Override
    public long appendLock(LockRow l, long expectedHead) {
        AccessRows.check(l);
        Object[] row = write(l.action() + " " + l.kind() + " " + l.name(), AccessKind.LOCK, expectedHead, c -> new Object[] {
            nextSeq(c, "SELECT COALESCE(MAX(seq), 0) + 1 FROM access_locks", null), l.action(), l.kind(), l.name(),
            l.tenant(), l.actor(), l.reason(), ChainHash.micros(l.time())});
        return (Long) row[0];
    }

    @Override
    public void recordIssued(IssuedRow i) {
        AccessRows.check(i);
        write("record certificate " + i.serial() + " of request " + i.requestId(), AccessKind.ISSUED, ANY_HEAD, c -> {
            requireRequest(c, i.requestId(), "an issued certificate");
            return new Object[] {i.requestId(), i.serial(), i.sessionId(), ChainHash.micros(i.validBefore()),
                ChainHash.micros(i.time())};
        });
    }

    @Override
    public void saveTotpSecret(String user, String ciphertext, Instant at) {
        AccessRows.checkTotp(user, ciphertext, at);
        write("store the TOTP enrolment of " + user, AccessKind.TOTP, ANY_HEAD, c -> new Object[] {user,
            nextSeq(c, "SELECT COALESCE(MAX(seq), 0) + 1 FROM totp_secrets WHERE user_name = ?", user), ciphertext,
            ChainHash.micros(at)});
    }

    @Override
    public long appendApiToken(ApiTokenRow t) {
        AccessRows.check(t);
        Object[] row = write(t.action() + " API token " + t.id(), AccessKind.API_TOKEN, ANY_HEAD, c -> {
            boolean known = exists(c, "SELECT 1 FROM api_tokens WHERE id = ?", t.id());
            if (t.action().equals("issue") && known) {
                throw new IllegalArgumentException("API token " + t.id() + " already exists: token ids are unique");
            }
            if (t.action().equals("revoke") && !known) {
                throw new IllegalArgumentException("no API token " + t.id() + " to revoke");
            }
            return new Object[] {t.id(), nextSeq(c, "SELECT COALESCE(MAX(seq), 0) + 1 FROM api_tokens WHERE id = ?", t.id()),
                t.action(), t.user(), t.name(), t.keyFingerprint(), ChainHash.micros(t.expires()), t.actor(),
                ChainHash.micros(t.time())};
        });
        return (Long) row[1];
    }

    @Override
    public List<ApiTokenRow> apiToken(String id) {
        return list("SELECT " + AccessRows.API_TOKEN_COLUMNS + " FROM api_tokens WHERE id = ? ORDER BY seq",
                List.of(key(id)), AccessRows::apiToken);
    }

    @Override
    public List<ApiTokenRow> apiTokens(String user) {
        return list("SELECT t." + AccessRows.API_TOKEN_COLUMNS.replace(", ", ", t.") + " FROM api_tokens t"
                + " JOIN api_tokens i ON i.id = t.id AND i.seq = 1 WHERE t.user_name = ?"
                + " ORDER BY i.time_micros DESC, t.id, t.seq", List.of(key(user)), AccessRows::apiToken);
    }

    @Override
    public List<RequestRow> requests() {
        return list("SELECT " + REQUEST_COLUMNS + " FROM access_requests ORDER BY created_micros, id", List.of(),
                AccessRows::request);
    }

    @Override
    public List<RequestRow> requests(Instant since) {
        if (since == null) {
            return requests();
        }
        return list("SELECT " + REQUEST_COLUMNS + " FROM access_requests WHERE created_micros >= ?"
                + " ORDER BY created_micros, id", List.of(ChainHash.micros(since)), AccessRows::request);
    }

    @Override
    public Optional<RequestRow> request(String id) {
        return list("SELECT " + REQUEST_COLUMNS + " FROM access_requests WHERE id = ?", List.of(key(id)),
                AccessRows::request).stream().findFirst();
    }

    @Override
    public List<DecisionRow> decisions(String requestId) {
        return list("SELECT " + DECISION_COLUMNS + " FROM access_decisions WHERE request_id = ? ORDER BY seq",
                List.of(key(requestId)), AccessRows::decision);
    }

    @Override
    public List<DecisionRow> allDecisions() {
        return list("SELECT " + DECISION_COLUMNS + " FROM access_decisions ORDER BY request_id, seq", List.of(),
                AccessRows::decision);
    }

    @Override
    public List<LockRow> locks() {
        return list("SELECT " + LOCK_COLUMNS + " FROM access_locks ORDER BY seq", List.of(), AccessRows::lock);
    }

    @Override
    public List<Change> changesAfter(long afterSeq) {
        open();
        try (Connection c = dataSource.getConnection()) {
            List<Object[]> links = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, kind, row_key FROM access_chain WHERE seq > ? ORDER BY seq")) {
                ps.setLong(1, afterSeq);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        links.add(new Object[] {rs.getLong(1), rs.getString(2), rs.getString(3)});
                    }
                }
            }
            List<Change> out = new ArrayList<>(links.size());
            if (links.isEmpty()) {
                return out;
            }
            // a link is committed with its row, so every row of a link read above is visible now
            try (PreparedStatement requests = c.prepareStatement("SELECT " + REQUEST_COLUMNS + " FROM access_requests WHERE id = ?");
                    PreparedStatement decisions = c.prepareStatement("SELECT " + DECISION_COLUMNS
                            + " FROM access_decisions WHERE request_id = ? AND seq = ?");
                    PreparedStatement locks = c.prepareStatement("SELECT " + LOCK_COLUMNS + " FROM access_locks WHERE seq = ?")) {
                for (Object[] link : links) {
                    long seq = (Long) link[0];
                    String kind = (String) link[1];
                    List<Object> key;
                    try {
                        key = CanonicalJson.parseArray((String) link[2]);
                    } catch (RuntimeException e) {
                        key = List.of(); // a damaged key: listed without its row
                    }
                    RequestRow request = null;
                    DecisionRow decision = null;
                    LockRow lock = null;
                    if (AccessKind.REQUEST.label().equals(kind) && key.size() == 1 && key.get(0) instanceof String id) {
                        requests.setString(1, id);
                        request = first(requests, AccessRows::request);
                    } else if (AccessKind.DECISION.label().equals(kind) && key.size() == 2 && key.get(0) instanceof String id
                            && key.get(1) instanceof Number n) {
                        decisions.setString(1, id);
                        decisions.setLong(2, n.longValue());
                        decision = first(decisions, AccessRows::decision);
                    } else if (AccessKind.LOCK.label().equals(kind) && key.size() == 1 && key.get(0) instanceof Number n) {
                        locks.setLong(1, n.longValue());
                        lock = first(locks, AccessRows::lock);
                    }
                    out.add(new Change(seq, kind, request, decision, lock));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreUnavailableException("access log read failed: " + BatchWriter.describe(e), e);
        }
    }

    private static <T> T first(PreparedStatement ps, EventRows.Mapper<T> mapper) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? mapper.map(rs) : null;
        }
    }

    @Override
    public Unproven unproven() {
        open();
        awaitQueued.run(); // this writer's own binding events may still be queued: they prove its rows

        try (Connection c = dataSource.getConnection()) {
            AccessBindings.Links links = AccessBindings.read(c);
            java.util.Set<String> decisions = new java.util.HashSet<>();
            java.util.Set<Long> locks = new java.util.HashSet<>();
            java.util.Set<String> linkedDecisions = new java.util.HashSet<>();
            java.util.Set<Long> linkedLocks = new java.util.HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, kind, row_key FROM access_chain ORDER BY seq");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    AccessBindings.Status status = links.statuses().getOrDefault(rs.getLong(1), AccessBindings.Status.NONE);
                    java.util.List<Object> key = CanonicalJson.parseArray(rs.getString(3));
                    if (AccessKind.DECISION.label().equals(rs.getString(2)) && key.size() == 2) {
                        linkedDecisions.add(key.get(0) + "#" + key.get(1));
                        if (!status.bound()) {
                            decisions.add(key.get(0) + "#" + key.get(1));
                        }
                    } else if (AccessKind.LOCK.label().equals(rs.getString(2)) && key.size() == 1) {
                        linkedLocks.add(((Number) key.get(0)).longValue());
                        if (!status.bound()) {
                            locks.add(((Number) key.get(0)).longValue());
                        }
                    }
                }
            }
            // an approval or an unlock with no link at all was INSERTed beside the chain: no more proven
            // than one whose link no event binds (the incremental catch-up never even sees it)
            try (PreparedStatement ps = c.prepareStatement("SELECT request_id, seq FROM access_decisions WHERE action = 'approve'");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString(1) + "#" + rs.getLong(2);
                    if (!linkedDecisions.contains(key)) {
                        decisions.add(key);
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM access_locks WHERE action = 'unlock'");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!linkedLocks.contains(rs.getLong(1))) {
                        locks.add(rs.getLong(1));
                    }
                }
            }
            return new Unproven(decisions, locks);
        } catch (SQLException e) {
            throw new StoreUnavailableException("access log read failed: " + BatchWriter.describe(e), e);
        }
    }

    @Override
    public List<IssuedRow> issued(String requestId) {
        return list("SELECT " + ISSUED_COLUMNS + " FROM access_issued WHERE request_id = ? ORDER BY time_micros, serial",
                List.of(key(requestId)), AccessRows::issued);
    }

    @Override
    public Optional<String> totpSecret(String user) {
        return list("SELECT secret_ciphertext FROM totp_secrets WHERE user_name = ? ORDER BY seq DESC LIMIT 1",
                List.of(key(user)), rs -> rs.getString(1)).stream().findFirst();
    }

    @Override
    public void awaitBound() {
        if (!dataSource.isClosed()) {
            awaitQueued.run();
        }
    }

    @Override
    public long head() {
        return list("SELECT COALESCE(MAX(seq), 0) FROM access_chain", List.of(), rs -> rs.getLong(1)).get(0);
    }

    @Override
    public boolean claimTotpStep(String user, long step, Instant at) {
        if (user == null || user.isEmpty() || at == null) {
            throw new IllegalArgumentException("a TOTP step claim needs a user and a time");
        }
        writable("record the TOTP step of " + user);
        // one statement: the database serialises it per user row, so a concurrent claim of the
        // same step sees the winner's row and updates nothing
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO totp_steps (user_name, step, time_micros) VALUES (?, ?, ?) ON CONFLICT (user_name)"
                        + " DO UPDATE SET step = excluded.step, time_micros = excluded.time_micros"
                        + " WHERE totp_steps.step < excluded.step")) {
            ps.setString(1, user);
            ps.setLong(2, step);
            ps.setLong(3, ChainHash.micros(at));
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw unavailable("record the TOTP step of " + user, e);
        }
    }

    // ---- plumbing ----

    /**
     * Inserts the row {@code builder} makes and its access-chain link in one exclusive
     * transaction, then reports the link. Bad input (IllegalArgumentException from the builder),
     * a head past {@code expectedHead} (StaleHeadException, checked first, under the exclusive
     * lock, so no other writer can slip in after the check) and database failures roll back and
     * store nothing.
     *
     * @return the row as stored
     */
    private Object[] write(String what, AccessKind kind, long expectedHead, RowBuilder builder) {
        writable(what);
        Object[][] row = new Object[1][];
        writeOrder.lock();
        try {
            AccessChain.Link link;
            try {
                link = AccessChain.exclusive(dataSource, dialect, c -> {
                    if (expectedHead != ANY_HEAD) {
                        long head = AccessChain.head(c).seq();
                        if (head != expectedHead) {
                            throw new StaleHeadException(what, expectedHead, head);
                        }
                    }
                    row[0] = builder.build(c);
                    return AccessChain.insert(c, kind, row[0], ChainHash.micros(clock.instant()));
                });
            } catch (SQLException e) {
                throw unavailable(what, e);
            }
            unbound.addLast(link);
            bindInOrder();
            return row[0];
        } finally {
            writeOrder.unlock();
        }
    }

    /** Queues the binding events of committed links, oldest first; stops at the first the store refuses. */
    private void bindInOrder() {
        while (!unbound.isEmpty()) {
            AccessChain.Link link = unbound.peekFirst();
            try {
                onChained.accept(link);
            } catch (StoreUnavailableException e) {
                // The row and its link are committed: the write succeeded. Its event follows later.
                log.error("access seq {} is stored, but its access.chained event is not yet ({} waiting): {}; it is"
                        + " queued with the next access write, or recorded as access.unbound at the next start",
                        link.seq(), unbound.size(), e.getMessage());
                return;
            }
            unbound.removeFirst();
        }
    }

    private static boolean exists(Connection c, String sql, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void requireRequest(Connection c, String requestId, String what) throws SQLException {
        if (!exists(c, "SELECT 1 FROM access_requests WHERE id = ?", requestId)) {
            throw new IllegalArgumentException("no access request " + requestId + ": cannot record " + what
                    + " for it; create the request first");
        }
    }

    /** The next per-table (or per-key, when {@code key} is given) seq; safe under the exclusive lock. */
    private static long nextSeq(Connection c, String sql, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (key != null) {
                ps.setString(1, key);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private <T> List<T> list(String sql, List<Object> args, EventRows.Mapper<T> mapper) {
        open();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                if (args.get(i) instanceof Long l) {
                    ps.setLong(i + 1, l);
                } else {
                    ps.setString(i + 1, (String) args.get(i));
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("access log read failed: " + BatchWriter.describe(e), e);
        }
    }

    private static String key(String value) {
        if (value == null) {
            throw new IllegalArgumentException("a request id or user name is required");
        }
        return value;
    }

    private void open() {
        if (dataSource.isClosed()) {
            throw new StoreUnavailableException("the audit store is closed, and its access log with it");
        }
    }

    private void writable(String what) {
        open();
        if (readOnly) {
            throw new StoreUnavailableException("cannot " + what + ": the audit store is open read-only (no chain id)");
        }
    }

    /** Names the database error only: drivers echo bound values (reasons, ciphertexts) in details. */
    private static StoreUnavailableException unavailable(String what, SQLException e) {
        return new StoreUnavailableException("cannot " + what + ": " + BatchWriter.describe(e)
                + "; nothing was stored, check the database and retry", e);
    }
}
