package dev.gatehouse.recorder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * {@code audit verify}: walks every chain (with {@link LinkWalker}), checks every signed
 * checkpoint against the chain, every witness against the store ({@link WitnessCheck}), every
 * recording against its {@code session.end}, and the access chain against the access-log tables
 * ({@link AccessVerifier}).
 *
 * <p>Signed checkpoints catch what the hash chain alone cannot: an attacker who rewrites records
 * and recomputes every later hash leaves a chain that is consistent but whose head at a
 * checkpointed seq differs from the signed one; one who deletes the tail leaves a checkpoint
 * beyond the last record. Checkpoints are chained, so deleting one shows; a witnessed checkpoint
 * checks the chain as a stored one does, so deleting the newest checkpoints with the records
 * they cover shows too; and records no checkpoint covers for longer than the checkpoint interval
 * (plus {@link #SLACK}) are named, as are unsigned records dated in the future. Access-chain
 * links must each be bound by an event on a chain ({@link AccessBindings}); what a gateway found
 * unsigned at its start and recorded ({@code chain.resumed}, {@code access.unbound}) is noted,
 * not failed. Witnesses are read first, then the store, in one snapshot (a read transaction), so
 * records committed meanwhile never look like truncation, and no table is read at a later moment
 * than another (an access row and its link always appear together).
 */
final class ChainVerifier {
    /**
     * Allowance for what a healthy gateway needs beyond its checkpoint interval to sign, and to
     * append the signed checkpoint to its witnesses; also covers modest clock skew between hosts.
     */
    static final Duration SLACK = Duration.ofSeconds(15);
    /**
     * How far after the time of the check an unsigned record may be dated (hosts' clocks differ a
     * little); later is a failure.
     */
    static final Duration SKEW = Duration.ofSeconds(15);
    private static final int FETCH = 500;

    /** A checkpoint whose signature verified, and where it came from (null: the store). */
    private record Signed(CheckpointRow cp, String witness) {}

    /** A {@code chain.resumed} event met in the walk. */
    private record Resumed(String chain, long eventSeq, ChainResumption resumption) {}

    /** What the chain walks collect for the checks after them. */
    private record Collected(AccessBindings bindings, List<Resumed> resumed) {}

    private final DataSource dataSource;
    private final Dialect dialect;
    private final CheckpointSigner signer;
    private final Clock clock;
    private final Duration interval;

    ChainVerifier(DataSource dataSource, Dialect dialect, CheckpointSigner signer, Clock clock, Duration interval) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.signer = signer;
        this.clock = clock;
        this.interval = interval;
    }

    /**
     * @param localChain the chain of the gateway whose live witnesses these are, or null: its
     *     checkpoints must be in every live witness even when the witness is missing
     */
    VerifyReport verifyAll(List<Witness> witnesses, String localChain) {
        Instant now = clock.instant();
        Duration limit = interval.plus(SLACK);
        Findings findings = new Findings();
        WitnessCheck witnessed = WitnessCheck.read(witnesses, signer, findings);
        try (Connection c = dataSource.getConnection()) {
            dialect.beginSnapshotRead(c);
            try {
                StoredCheckpoints stored = StoredCheckpoints.read(c, signer, findings);
                witnessed.compare(stored, localChain, now, SLACK, findings);
                Map<String, List<Signed>> signed = signed(stored, witnessed);
                TreeSet<String> chains = new TreeSet<>(strings(c, "SELECT chain_id FROM chains UNION SELECT chain_id"
                        + " FROM audit_events", List.of()));
                chains.addAll(stored.chains());
                chains.addAll(witnessed.chains());
                long events = 0;
                List<VerifyReport.Tail> tails = new ArrayList<>();
                Collected collected = new Collected(new AccessBindings(), new ArrayList<>());
                for (String chain : chains) {
                    long covered = signed.getOrDefault(chain, List.of()).stream().mapToLong(s -> s.cp().seq()).max()
                            .orElse(0);
                    TailCounter tail = new TailCounter(covered, now);
                    long[] walked = verifyChain(c, chain, signed.getOrDefault(chain, List.of()), tail, collected,
                            findings);
                    collected.bindings().dropUnpinned(chain, covered);
                    events += walked[0];
                    tails.add(tail.finish(chain, "chain " + chain + " seq", walked[1], witnessed.chains().contains(chain),
                            now, limit, findings));
                }
                Map<String, String> endHashes = recordingHashes(c, null);
                TreeSet<String> sessions = new TreeSet<>(strings(c,
                        "SELECT DISTINCT session_id FROM recording_chunks", List.of()));
                sessions.addAll(endHashes.keySet());
                for (String session : sessions) {
                    verifyRecording(c, session, endHashes.get(session), findings);
                }
                for (Resumed r : collected.resumed()) {
                    r.resumption().note(r.chain(), r.eventSeq(), findings);
                    collected.bindings().unproven(r.chain(), r.resumption().firstSeq(), r.resumption().lastSeq());
                }
                AccessVerifier.Result access = AccessVerifier.verify(c, signed.values().stream().flatMap(List::stream)
                        .map(Signed::cp).toList(), collected.bindings(), chains.size(), now, limit, findings);
                tails.add(access.tail());
                List<String> problems = findings.lines();
                return new VerifyReport(problems.isEmpty(), chains.size(), events, stored.count(), sessions.size(),
                        access.links(), problems, findings.notes(), tails, witnessed.summaries(), limit);
            } finally {
                dialect.endSnapshotRead(c);
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("audit verify could not read the store: " + e.getMessage(), e);
        }
    }

    VerifyReport verifyRecording(String sessionId) {
        try (Connection c = dataSource.getConnection()) {
            dialect.beginSnapshotRead(c);
            try {
                Findings findings = new Findings();
                verifyRecording(c, sessionId, recordingHashes(c, sessionId).get(sessionId), findings);
                List<String> problems = findings.lines();
                return new VerifyReport(problems.isEmpty(), 0, 0, 0, 1, problems);
            } finally {
                dialect.endSnapshotRead(c);
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException("recording verify could not read the store: " + e.getMessage(), e);
        }
    }

    /** Per chain, the checkpoints whose signature verified: the store's, and witnessed ones the store lacks. */
    private static Map<String, List<Signed>> signed(StoredCheckpoints stored, WitnessCheck witnessed) {
        Map<String, List<Signed>> out = new HashMap<>();
        for (String chain : stored.chains()) {
            stored.valid(chain).forEach(cp -> out.computeIfAbsent(chain, k -> new ArrayList<>()).add(new Signed(cp, null)));
        }
        for (WitnessCheck.Entry e : witnessed.unstored()) {
            out.computeIfAbsent(e.cp().chainId(), k -> new ArrayList<>()).add(new Signed(e.cp(), e.where()));
        }
        out.values().forEach(list -> list.sort(Comparator.comparingLong(s -> s.cp().seq())));
        return out;
    }

    /** Walks one chain, collecting its binding and resumption events; returns the number of events read and the last stored seq. */
    private long[] verifyChain(Connection c, String chain, List<Signed> signed, TailCounter tail, Collected collected,
            Findings findings) throws SQLException {
        String subject = "chain " + chain + " seq";
        Map<Long, String> hashAt = new HashMap<>();
        for (Signed s : signed) {
            hashAt.put(s.cp().seq(), null);
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
                    tail.offer(seq, rs.getLong(3));
                    collect(chain, seq, rs.getString(4), rs.getString(13), collected);
                    if (hashAt.containsKey(seq)) {
                        hashAt.put(seq, nonNull(hash));
                    }
                }
            }
        }
        LinkWalker.Finding finding = walker.finding();
        if (finding != null) {
            findings.add(subject, finding.seq(), 0, finding.text());
        }
        checkCheckpoints(subject, signed, hashAt, walker.lastStoredSeq(), findings);
        return new long[] {count, walker.lastStoredSeq()};
    }

    private static void collect(String chain, long seq, String type, String details, Collected collected) {
        if (AccessBindings.isBinding(type)) {
            collected.bindings().offer(chain, seq, type, nonNull(details));
        } else if (ChainResumption.TYPE.equals(type)) {
            ChainResumption r = ChainResumption.parse(nonNull(details));
            if (r != null) {
                collected.resumed().add(new Resumed(chain, seq, r));
            }
        }
    }

    private static void checkCheckpoints(String subject, List<Signed> signed, Map<Long, String> hashAt, long lastSeq,
            Findings findings) {
        long matched = 0;
        Signed newest = null;
        for (Signed s : signed) {
            CheckpointRow cp = s.cp();
            String named = "checkpoint at seq " + cp.seq() + (s.witness() == null ? "" : " (" + s.witness() + ")");
            newest = s;
            if (cp.seq() > lastSeq) {
                continue;
            }
            String actual = hashAt.get(cp.seq());
            if (actual == null) {
                findings.add(subject, cp.seq(), 1, "missing record: " + named + " covers it");
            } else if (!actual.equals(cp.headHash())) {
                findings.add(subject, cp.seq(), 1, "hash differs from the signed " + named
                        + ": the chain was rewritten after seq " + matched);
            } else {
                matched = cp.seq();
            }
        }
        if (newest != null && newest.cp().seq() > lastSeq) {
            findings.add(subject, lastSeq + 1, 1, "missing record: checkpoint at seq " + newest.cp().seq()
                    + (newest.witness() == null ? "" : " (" + newest.witness() + ")") + " covers it (the chain ends at seq "
                    + lastSeq + ")");
        }
    }

    private void verifyRecording(Connection c, String session, String endHash, Findings findings)
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
            findings.add(subject, finding.seq(), 0, finding.text());
        } else if (endHash != null && !endHash.equals(head)) {
            long last = walker.lastStoredSeq();
            if (endSeq > 0) {
                findings.add(subject, endSeq + 1, 1, "inserted record: session.end names chunk " + endSeq
                        + " as the recording head");
            } else {
                findings.add(subject, last + 1, 1, "missing record: the recording head differs from the"
                        + " recording_hash in session.end (the recording ends at chunk " + last + ")");
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
