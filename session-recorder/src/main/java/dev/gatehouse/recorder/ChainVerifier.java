package dev.gatehouse.recorder;

import java.security.SignatureException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * {@code audit verify}: walks every chain (with {@link LinkWalker}), checks every signed checkpoint
 * against the chain, and every recording against its {@code session.end}.
 *
 * <p>Signed checkpoints catch what the hash chain alone cannot: an attacker who rewrites records
 * and recomputes every later hash leaves a chain that is consistent but whose head at a
 * checkpointed seq differs from the signed one; one who deletes the tail leaves a checkpoint
 * beyond the last record. Checkpoints are read before events, so records committed during the
 * walk never look like truncation.
 */
final class ChainVerifier {
    private static final int FETCH = 500;

    private record Problem(String subject, long seq, int order, String text) {
        String line() {
            return subject + " " + seq + ": " + text;
        }
    }

    private record Checkpoint(long seq, String headHash, long timeMicros, String jws) {}

    private final DataSource dataSource;
    private final Dialect dialect;
    private final CheckpointSigner signer;

    ChainVerifier(DataSource dataSource, Dialect dialect, CheckpointSigner signer) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.signer = signer;
    }

    VerifyReport verifyAll() {
        try (Connection c = dataSource.getConnection()) {
            dialect.beginStreamedRead(c);
            try {
                List<Problem> problems = new ArrayList<>();
                TreeSet<String> chains = new TreeSet<>(strings(c, "SELECT chain_id FROM chains UNION SELECT chain_id"
                        + " FROM audit_events UNION SELECT chain_id FROM checkpoints", List.of()));
                long events = 0;
                long checkpoints = 0;
                for (String chain : chains) {
                    List<Checkpoint> signed = checkpoints(c, chain);
                    checkpoints += signed.size();
                    events += verifyChain(c, chain, signed, problems);
                }
                Map<String, String> endHashes = recordingHashes(c, null);
                TreeSet<String> sessions = new TreeSet<>(strings(c,
                        "SELECT DISTINCT session_id FROM recording_chunks", List.of()));
                sessions.addAll(endHashes.keySet());
                for (String session : sessions) {
                    verifyRecording(c, session, endHashes.get(session), problems);
                }
                return report(chains.size(), events, checkpoints, sessions.size(), problems);
            } finally {
                dialect.endStreamedRead(c);
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("audit verify could not read the store: " + e.getMessage(), e);
        }
    }

    VerifyReport verifyRecording(String sessionId) {
        try (Connection c = dataSource.getConnection()) {
            dialect.beginStreamedRead(c);
            try {
                List<Problem> problems = new ArrayList<>();
                verifyRecording(c, sessionId, recordingHashes(c, sessionId).get(sessionId), problems);
                return report(0, 0, 0, 1, problems);
            } finally {
                dialect.endStreamedRead(c);
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("recording verify could not read the store: " + e.getMessage(), e);
        }
    }

    private static VerifyReport report(int chains, long events, long checkpoints, long recordings, List<Problem> problems) {
        // Stable order: by subject, then the seq each problem names, walk findings before checkpoint findings.
        problems.sort(Comparator.comparing(Problem::subject).thenComparingLong(Problem::seq)
                .thenComparingInt(Problem::order));
        return new VerifyReport(problems.isEmpty(), chains, events, checkpoints, recordings,
                problems.stream().map(Problem::line).toList());
    }

    /** Walks one chain; returns the number of events read. */
    private long verifyChain(Connection c, String chain, List<Checkpoint> signed, List<Problem> problems)
            throws SQLException {
        String subject = "chain " + chain + " seq";
        Map<Long, String> hashAt = new HashMap<>();
        for (Checkpoint cp : signed) {
            hashAt.put(cp.seq(), null);
        }
        LinkWalker walker = new LinkWalker();
        long count = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + StoreQueries.EVENT_COLUMNS
                + " FROM audit_events WHERE chain_id = ? ORDER BY seq")) {
            ps.setFetchSize(FETCH);
            ps.setString(1, chain);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    count++;
                    long seq = rs.getLong(2);
                    long serial = rs.getLong(10);
                    Long certSerial = rs.wasNull() ? null : serial;
                    String prev = rs.getString(14);
                    String hash = rs.getString(15);
                    String recomputed = ChainHash.event(rs.getString(1), seq, rs.getLong(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                            certSerial, rs.getString(11), rs.getString(12), rs.getString(13), nonNull(prev));
                    walker.next(seq, nonNull(prev), nonNull(hash), recomputed);
                    if (hashAt.containsKey(seq)) {
                        hashAt.put(seq, nonNull(hash));
                    }
                }
            }
        }
        LinkWalker.Finding finding = walker.finding();
        if (finding != null) {
            problems.add(new Problem(subject, finding.seq(), 0, finding.text()));
        }
        checkCheckpoints(chain, subject, signed, hashAt, walker.lastStoredSeq(), problems);
        return count;
    }

    private void checkCheckpoints(String chain, String subject, List<Checkpoint> stored, Map<Long, String> hashAt,
            long lastSeq, List<Problem> problems) {
        long matched = 0;
        Checkpoint newest = null;
        for (Checkpoint cp : stored) {
            String why = signatureProblem(chain, cp);
            if (why != null) {
                problems.add(new Problem(subject, cp.seq(), 1, why));
                continue;
            }
            newest = cp;
            if (cp.seq() > lastSeq) {
                continue;
            }
            String actual = hashAt.get(cp.seq());
            if (actual == null) {
                problems.add(new Problem(subject, cp.seq(), 1, "missing record: checkpoint at seq " + cp.seq() + " covers it"));
            } else if (!actual.equals(cp.headHash())) {
                problems.add(new Problem(subject, cp.seq(), 1, "hash differs from the signed checkpoint at seq "
                        + cp.seq() + ": the chain was rewritten after seq " + matched));
            } else {
                matched = cp.seq();
            }
        }
        if (newest != null && newest.seq() > lastSeq) {
            problems.add(new Problem(subject, lastSeq + 1, 1, "missing record: checkpoint at seq " + newest.seq()
                    + " covers it (the chain ends at seq " + lastSeq + ")"));
        }
    }

    /** Null when the checkpoint's JWS verifies and signs exactly this row, else what is wrong. */
    private String signatureProblem(String chain, Checkpoint cp) {
        if (signer == null) {
            return "checkpoint not verified: no checkpoint signer (audit key) configured";
        }
        byte[] payload;
        try {
            payload = signer.verify(cp.jws());
        } catch (SignatureException | RuntimeException e) {
            return "checkpoint signature does not verify (forged checkpoint or wrong audit key): " + e.getMessage();
        }
        byte[] expected = CanonicalJson.checkpointPayload(chain, cp.seq(), cp.headHash(), cp.timeMicros());
        return Arrays.equals(payload, expected) ? null : "checkpoint row does not match its signed payload";
    }

    private void verifyRecording(Connection c, String session, String endHash, List<Problem> problems)
            throws SQLException {
        String subject = "session " + session + " chunk";
        LinkWalker walker = new LinkWalker();
        long endSeq = -1;
        String head = ChainHash.GENESIS;
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, stream, offset_micros, data, prev_hash, hash"
                + " FROM recording_chunks WHERE session_id = ? ORDER BY seq")) {
            ps.setFetchSize(64);
            ps.setString(1, session);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long seq = rs.getLong(1);
                    byte[] data = rs.getBytes(4);
                    data = data == null ? new byte[0] : data;
                    String prev = nonNull(rs.getString(5));
                    String hash = nonNull(rs.getString(6));
                    walker.next(seq, prev, hash, ChainHash.chunk(session, seq, rs.getString(2), rs.getLong(3),
                            data.length, ChainHash.dataDigest(data), prev));
                    head = hash;
                    if (hash.equals(endHash) && endSeq < 0) {
                        endSeq = seq;
                    }
                }
            }
        }
        LinkWalker.Finding finding = walker.finding();
        if (finding != null) {
            problems.add(new Problem(subject, finding.seq(), 0, finding.text()));
        } else if (endHash != null && !endHash.equals(head)) {
            long last = walker.lastStoredSeq();
            if (endSeq > 0) {
                problems.add(new Problem(subject, endSeq + 1, 1, "inserted record: session.end names chunk " + endSeq
                        + " as the recording head"));
            } else {
                problems.add(new Problem(subject, last + 1, 1, "missing record: the recording head differs from the"
                        + " recording_hash in session.end (the recording ends at chunk " + last + ")"));
            }
        }
    }

    /** session id → recording_hash of its session.end events (one session, or all when null). */
    private static Map<String, String> recordingHashes(Connection c, String sessionId) throws SQLException {
        Map<String, String> out = new HashMap<>();
        String sql = "SELECT session_id, details FROM audit_events WHERE type = 'session.end' AND session_id IS NOT NULL"
                + (sessionId == null ? "" : " AND session_id = ?");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setFetchSize(FETCH);
            if (sessionId != null) {
                ps.setString(1, sessionId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String hash;
                    try {
                        hash = CanonicalJson.parseDetails(rs.getString(2)).get("recording_hash");
                    } catch (IllegalArgumentException e) {
                        continue; // the chain walk reports the damaged event itself
                    }
                    if (hash != null) {
                        out.putIfAbsent(rs.getString(1), hash);
                    }
                }
            }
        }
        return out;
    }

    private static List<Checkpoint> checkpoints(Connection c, String chain) throws SQLException {
        List<Checkpoint> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT seq, head_hash, time_micros, jws FROM checkpoints WHERE chain_id = ? ORDER BY seq")) {
            ps.setString(1, chain);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Checkpoint(rs.getLong(1), nonNull(rs.getString(2)), rs.getLong(3), nonNull(rs.getString(4))));
                }
            }
        }
        return out;
    }

    private static List<String> strings(Connection c, String sql, List<String> args) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setString(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(1) != null) {
                        out.add(rs.getString(1));
                    }
                }
            }
        }
        return out;
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
