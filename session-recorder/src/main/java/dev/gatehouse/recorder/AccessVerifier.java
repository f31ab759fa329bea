package dev.gatehouse.recorder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Verify's walk of the access chain (R29): the links ({@link LinkWalker}); each link against the
 * row it names, recomputed from the access-log table (a missing row was deleted, a different one
 * modified); rows no link names (inserted outside the gateway); the access heads that signed
 * checkpoints carry (a chain rewritten wholesale, links and all, contradicts them); each link
 * against the events that bind it to a gateway's chain ({@link AccessBindings}: a correctly
 * hashed link appended by INSERT has none); and the links no signed checkpoint covers yet.
 *
 * <p>A link no event binds is pending, not failed, while no signed checkpoint covers it: its
 * {@code access.chained} event is queued just after it commits, and the link's age and date are
 * then held to the tail's limits like any unsigned record. A gateway signs only links its own
 * events bind, so a covered link without an event is a failure, with one allowance: on a store
 * of several chains, another gateway's checkpoint may cover a link whose writer's event is a few
 * milliseconds behind, so a link covered only by checkpoints signed within
 * {@link ChainVerifier#SLACK} of the check is still pending.
 *
 * <p>Every row's digest is held in memory while the chain is walked: the access log is a log of
 * people's actions, far smaller than the event chains.
 */
final class AccessVerifier {
    private static final String SEQ = "access seq";

    /** What the walk found besides problems. */
    record Result(long links, VerifyReport.Tail tail) {}

    private AccessVerifier() {}

    /**
     * @param signed chained checkpoints whose signatures verified (store and witnesses); their
     *     {@code access_seq}/{@code access_head} must match the chain
     * @param bindings the binding events the chain walks met
     * @param chains how many event chains the store holds
     */
    static Result verify(Connection c, List<CheckpointRow> signed, AccessBindings bindings, int chains, Instant now,
            Duration limit, Findings findings) throws SQLException {
        Map<String, ArrayDeque<String>> rows = rowDigests(c);
        TreeMap<Long, List<CheckpointRow>> bound = new TreeMap<>();
        for (CheckpointRow cp : signed) {
            if (cp.chained() && cp.accessSeq() > 0) {
                bound.computeIfAbsent(cp.accessSeq(), k -> new ArrayList<>()).add(cp);
            }
        }
        long covered = bound.isEmpty() ? 0 : bound.lastKey();
        LinkWalker walker = new LinkWalker();
        long links = 0;
        long matched = 0;
        TailCounter tail = new TailCounter(covered, now);
        TreeMap<Long, String> hashes = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + AccessChain.LINK_COLUMNS
                + " FROM access_chain ORDER BY seq")) {
            ps.setFetchSize(500);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    AccessChain.Link link = new AccessChain.Link(rs.getLong(1), rs.getLong(2), nonNull(rs.getString(3)),
                            nonNull(rs.getString(4)), nonNull(rs.getString(5)), nonNull(rs.getString(6)),
                            nonNull(rs.getString(7)));
                    links++;
                    walker.next(link.seq(), link.prevHash(), link.hash(), link.recomputed());
                    checkRow(link, rows, findings);
                    for (CheckpointRow cp : bound.getOrDefault(link.seq(), List.of())) {
                        if (cp.accessHead().equals(link.hash())) {
                            matched = link.seq();
                        } else {
                            findings.add(SEQ, link.seq(), 2, "hash differs from the access head signed in checkpoint chain "
                                    + cp.chainId() + " seq " + cp.seq() + ": the access chain was rewritten after seq "
                                    + matched);
                        }
                    }
                    tail.offer(link.seq(), link.timeMicros());
                    hashes.put(link.seq(), link.hash());
                }
            }
        }
        LinkWalker.Finding finding = walker.finding();
        if (finding != null) {
            findings.add(SEQ, finding.seq(), 0, finding.text());
        }
        long last = walker.lastStoredSeq();
        if (covered > last) {
            CheckpointRow cp = bound.lastEntry().getValue().get(0);
            findings.add(SEQ, last + 1, 2, "missing record: checkpoint chain " + cp.chainId() + " seq " + cp.seq()
                    + " covers access seq " + covered + " (the access chain ends at seq " + last + ")");
        }
        rows.forEach((key, digests) -> {
            int cut = key.indexOf(' ');
            findings.addWhole("access row " + key.substring(0, cut) + " " + key.substring(cut + 1),
                    "not on the access chain (inserted outside the gateway" + (digests.size() > 1 ? ", " + digests.size()
                            + " rows" : "") + ")");
        });
        checkBindings(hashes, bindings.statuses(hashes, findings), firstSigned(bound),
                chains > 1 ? now.minus(ChainVerifier.SLACK) : null, findings);
        return new Result(links, tail.finish(null, SEQ, last, true, now, limit, findings));
    }

    /** Per access seq, the earliest signing time (UTC microseconds) of a checkpoint whose access head is at or after it. */
    private static TreeMap<Long, Long> firstSigned(TreeMap<Long, List<CheckpointRow>> bound) {
        TreeMap<Long, Long> out = new TreeMap<>();
        long earliest = Long.MAX_VALUE;
        for (Map.Entry<Long, List<CheckpointRow>> e : bound.descendingMap().entrySet()) {
            for (CheckpointRow cp : e.getValue()) {
                earliest = Math.min(earliest, cp.timeMicros());
            }
            out.put(e.getKey(), earliest);
        }
        return out;
    }

    /**
     * Names each link a signed checkpoint covers but no event binds, and notes the links only an
     * unproven event binds (one note per event).
     *
     * @param firstSigned see {@link #firstSigned}
     * @param lateSince with several chains, the signing time after which a covering checkpoint may
     *     precede another gateway's binding event; null with one chain
     */
    private static void checkBindings(TreeMap<Long, String> hashes, Map<Long, AccessBindings.Status> statuses,
            TreeMap<Long, Long> firstSigned, Instant lateSince, Findings findings) {
        Map<AccessBindings.Binding, long[]> unproven = new LinkedHashMap<>();
        for (long seq : hashes.keySet()) {
            AccessBindings.Status s = statuses.getOrDefault(seq, AccessBindings.Status.NONE);
            if (s.bound() || s.contradicted()) {
                continue; // a contradicted link is named as rewritten already
            }
            if (s.unproven() != null) {
                long[] range = unproven.computeIfAbsent(s.unproven(), b -> new long[] {seq, seq, 0});
                range[1] = seq;
                range[2]++;
                continue;
            }
            Map.Entry<Long, Long> signedAfter = firstSigned.ceilingEntry(seq);
            if (signedAfter == null) {
                continue; // pending: no checkpoint covers it yet, so the tail's limits apply
            }
            if (lateSince != null && ChainHash.instant(signedAfter.getValue()).isAfter(lateSince)) {
                continue; // another gateway's binding event may be a moment behind its link
            }
            findings.addCrossCheck(SEQ, seq, 1, "no event binds it to a gateway's chain (no access.chained event names it),"
                    + " yet a signed checkpoint covers it (access head seq " + signedAfter.getKey() + "): it was"
                    + " inserted outside the gateway");
        }
        unproven.forEach((b, range) -> findings.note(SEQ, range[0], range[1], range[2] + " link(s) "
                + (AccessBindings.UNBOUND.equals(b.type())
                        ? "had no access.chained event when a gateway started, and " + b.where() + " bound them then:"
                                + " a gateway that crashed between writing a link and its event leaves such links, and"
                                + " so does an INSERT"
                        : "are bound only by " + b.where() + ", which is itself among records a gateway found unsigned"
                                + " at its start (chain.resumed)")
                + "; nothing proves a gateway wrote them"));
    }

    /** Each access-log row's digest by {@code KIND KEY}; rows with the same key queue up. */
    private static Map<String, ArrayDeque<String>> rowDigests(Connection c) throws SQLException {
        Map<String, ArrayDeque<String>> out = new HashMap<>();
        for (AccessKind kind : AccessKind.values()) {
            try (PreparedStatement ps = c.prepareStatement(kind.selectSql())) {
                ps.setFetchSize(500);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Object[] row = kind.read(rs);
                        out.computeIfAbsent(kind.label() + " " + kind.key(row), k -> new ArrayDeque<>(1))
                                .addLast(kind.digest(row));
                    }
                }
            }
        }
        return out;
    }

    /** Matches the link to the row it names, consuming that row's digest. */
    private static void checkRow(AccessChain.Link link, Map<String, ArrayDeque<String>> rows, Findings findings) {
        String key = link.kind() + " " + link.rowKey();
        ArrayDeque<String> digests = rows.get(key);
        String what = "the " + link.kind() + " row " + link.rowKey();
        if (AccessKind.of(link.kind()) == null) {
            findings.add(SEQ, link.seq(), 1, "names an unknown kind of row '" + link.kind() + "'");
        } else if (digests == null) {
            findings.add(SEQ, link.seq(), 1, what + " is missing (deleted)");
        } else {
            if (!digests.remove(link.rowHash())) {
                digests.removeFirst();
                findings.add(SEQ, link.seq(), 1, what + " differs from what was chained (modified)");
            }
            if (digests.isEmpty()) {
                rows.remove(key);
            }
        }
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
