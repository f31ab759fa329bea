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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Verify's walk of the access chain (R29): the links ({@link LinkWalker}); each link against the
 * row it names, recomputed from the access-log table (a missing row was deleted, a different one
 * modified); rows no link names (inserted outside the gateway); the access heads that signed
 * checkpoints carry (a chain rewritten wholesale, links and all, contradicts them); and the
 * links no signed checkpoint covers yet.
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
     */
    static Result verify(Connection c, List<CheckpointRow> signed, Instant now, Duration limit, Findings findings)
            throws SQLException {
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
        TailCounter tail = new TailCounter(covered);
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
        return new Result(links, tail.finish(null, SEQ, last, true, now, limit, findings));
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
