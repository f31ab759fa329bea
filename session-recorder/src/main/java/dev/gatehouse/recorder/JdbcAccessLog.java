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
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The access log over the audit store's pool (SQLite or PostgreSQL).
 *
 * <p>Implementation notes. Each write is one autocommitted statement, so it is durable when it
 * returns. Sequence numbers are assigned inside that statement ({@code MAX(seq) + 1} in a
 * subquery): SQLite takes its write lock before the statement reads, so two writers never see the
 * same maximum; PostgreSQL (read committed) may let two see it, and then the loser's insert
 * fails on the unique (…, seq) constraint once the winner commits, and is retried with a fresh
 * maximum. Decisions and issued certificates are inserted with {@code SELECT … FROM
 * access_requests}, so a row about an unknown request inserts nothing and is reported as bad input.
 */
final class JdbcAccessLog implements AccessLog {
    /**
     * Attempts on seq collisions. Each collision means another writer committed, so this only
     * bounds how long one write may keep losing to a burst of others before it reports failure.
     */
    private static final int MAX_ATTEMPTS = 50;

    private static final String INSERT_REQUEST = "INSERT INTO access_requests (" + REQUEST_COLUMNS + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_DECISION = "INSERT INTO access_decisions (" + DECISION_COLUMNS + ")"
            + " SELECT r.id, (SELECT COALESCE(MAX(d.seq), 0) + 1 FROM access_decisions d WHERE d.request_id = r.id),"
            + " ?, ?, ?, ?, ?, ? FROM access_requests r WHERE r.id = ? RETURNING seq";
    private static final String INSERT_LOCK = "INSERT INTO access_locks (" + LOCK_COLUMNS + ")"
            + " VALUES ((SELECT COALESCE(MAX(l.seq), 0) + 1 FROM access_locks l), ?, ?, ?, ?, ?, ?, ?) RETURNING seq";
    private static final String INSERT_ISSUED = "INSERT INTO access_issued (" + ISSUED_COLUMNS + ")"
            + " SELECT r.id, ?, ?, ?, ? FROM access_requests r WHERE r.id = ? RETURNING serial";
    private static final String INSERT_TOTP = "INSERT INTO totp_secrets (user_name, seq, secret_ciphertext, time_micros)"
            + " VALUES (?, (SELECT COALESCE(MAX(t.seq), 0) + 1 FROM totp_secrets t WHERE t.user_name = ?), ?, ?)"
            + " RETURNING seq";

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private final HikariDataSource dataSource;
    private final boolean readOnly;

    JdbcAccessLog(HikariDataSource dataSource, boolean readOnly) {
        this.dataSource = dataSource;
        this.readOnly = readOnly;
    }

    @Override
    public void createRequest(RequestRow r) {
        AccessRows.check(r);
        String what = "store access request " + r.id();
        writable(what);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(INSERT_REQUEST)) {
            ps.setString(1, r.id());
            ps.setString(2, r.requester());
            ps.setString(3, r.tenant());
            ps.setString(4, r.login());
            ps.setString(5, r.targetNode());
            ps.setString(6, r.targetSelector() == null ? null : CanonicalJson.details(r.targetSelector()));
            ps.setLong(7, r.duration().getSeconds());
            ps.setString(8, r.reason());
            ps.setLong(9, ChainHash.micros(r.created()));
            ps.executeUpdate();
        } catch (SQLException e) {
            if (uniqueViolation(e)) {
                throw new IllegalArgumentException("access request " + r.id() + " already exists: request ids are unique");
            }
            throw unavailable(what, e);
        }
    }

    @Override
    public long appendDecision(DecisionRow d) {
        AccessRows.check(d);
        String what = "store the " + d.action() + " decision on request " + d.requestId();
        Long seq = insertReturning(what, INSERT_DECISION, ps -> {
            ps.setString(1, d.action());
            ps.setString(2, d.actor());
            ps.setString(3, d.comment());
            ps.setLong(4, ChainHash.micros(d.time()));
            nullableLong(ps, 5, d.certificateSerial());
            ps.setString(6, d.jws());
            ps.setString(7, d.requestId());
        });
        if (seq == null) {
            throw unknownRequest(d.requestId(), "a decision");
        }
        return seq;
    }

    @Override
    public long appendLock(LockRow l) {
        AccessRows.check(l);
        return insertReturning(l.action() + " " + l.kind() + " " + l.name(), INSERT_LOCK, ps -> {
            ps.setString(1, l.action());
            ps.setString(2, l.kind());
            ps.setString(3, l.name());
            ps.setString(4, l.tenant());
            ps.setString(5, l.actor());
            ps.setString(6, l.reason());
            ps.setLong(7, ChainHash.micros(l.time()));
        });
    }

    @Override
    public void recordIssued(IssuedRow i) {
        AccessRows.check(i);
        Long inserted = insertReturning("record certificate " + i.serial() + " of request " + i.requestId(),
                INSERT_ISSUED, ps -> {
                    ps.setLong(1, i.serial());
                    ps.setString(2, i.sessionId());
                    ps.setLong(3, ChainHash.micros(i.validBefore()));
                    ps.setLong(4, ChainHash.micros(i.time()));
                    ps.setString(5, i.requestId());
                });
        if (inserted == null) {
            throw unknownRequest(i.requestId(), "an issued certificate");
        }
    }

    @Override
    public void saveTotpSecret(String user, String ciphertext, Instant at) {
        AccessRows.checkTotp(user, ciphertext, at);
        insertReturning("store the TOTP enrolment of " + user, INSERT_TOTP, ps -> {
            ps.setString(1, user);
            ps.setString(2, user);
            ps.setString(3, ciphertext);
            ps.setLong(4, ChainHash.micros(at));
        });
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
    public List<IssuedRow> issued(String requestId) {
        return list("SELECT " + ISSUED_COLUMNS + " FROM access_issued WHERE request_id = ? ORDER BY time_micros, serial",
                List.of(key(requestId)), AccessRows::issued);
    }

    @Override
    public Optional<String> totpSecret(String user) {
        return list("SELECT secret_ciphertext FROM totp_secrets WHERE user_name = ? ORDER BY seq DESC LIMIT 1",
                List.of(key(user)), rs -> rs.getString(1)).stream().findFirst();
    }

    // ---- plumbing ----

    /**
     * Runs an {@code INSERT … RETURNING} until it does not collide on a seq.
     *
     * @return the first returned value, or null when the statement inserted nothing
     */
    private Long insertReturning(String what, String sql, Binder binder) {
        writable(what);
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : null;
                }
            } catch (SQLException e) {
                if (!uniqueViolation(e) || attempt >= MAX_ATTEMPTS) {
                    throw unavailable(what, e);
                }
                pause(attempt, what);
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

    private static void nullableLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    /** Jitter so that retrying appenders do not collide again in lockstep. */
    private static void pause(int attempt, String what) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(1, 2 + Math.min(attempt, 20)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while trying to " + what, e);
        }
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

    /** PostgreSQL's unique_violation, or SQLite's UNIQUE / PRIMARY KEY constraint failure. */
    static boolean uniqueViolation(SQLException e) {
        if ("23505".equals(e.getSQLState())) {
            return true;
        }
        return e instanceof SQLiteException s && (s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE
                || s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY);
    }

    private static IllegalArgumentException unknownRequest(String requestId, String what) {
        return new IllegalArgumentException("no access request " + requestId + ": cannot record " + what
                + " for it; create the request first");
    }

    /** Names the database error only: drivers echo bound values (reasons, ciphertexts) in details. */
    private static StoreUnavailableException unavailable(String what, SQLException e) {
        return new StoreUnavailableException("cannot " + what + ": " + BatchWriter.describe(e)
                + "; nothing was stored, check the database and retry", e);
    }
}
