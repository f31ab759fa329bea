package dev.gatehouse.recorder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The events that tie access-chain links to a gateway's event chain (R29), and which links they
 * tie. A link is proven only by such an event: the access chain's head is whatever the database
 * holds, so an attacker who may only INSERT can append a correctly hashed link (an unlock, an
 * approval), and a gateway's next link and checkpoint would extend it.
 *
 * <ul>
 *   <li>{@code access.chained}: the writing gateway's record of one link ({@code access_seq},
 *       {@code access_hash}), appended right after the link commits;
 *   <li>{@code access.adopted}: links {@code first_seq}..{@code last_seq} chained at the upgrade
 *       from rows stored before the access chain existed ({@code access_hash} is the hash at
 *       {@code last_seq}; events written before it was recorded name only {@code rows}, the
 *       links 1..rows);
 *   <li>{@code access.unbound}: links a gateway found without an event at its start and bound
 *       then, so that it does not sign them in silently. A crash between a link's commit and its
 *       event leaves such links, and so do INSERTs: nothing proves who wrote them (a notice).
 * </ul>
 *
 * A range is bound only when the link at its last seq has the hash the event names: the links
 * before it are then fixed by the access chain's own hashing.
 */
final class AccessBindings {
    static final String CHAINED = "access.chained";
    static final String ADOPTED = "access.adopted";
    static final String UNBOUND = "access.unbound";

    /**
     * One binding event.
     *
     * @param type {@link #CHAINED}, {@link #ADOPTED} or {@link #UNBOUND}
     * @param chain the event chain it is on
     * @param eventSeq its seq there
     * @param firstSeq the first access seq it binds
     * @param lastSeq the last access seq it binds
     * @param hash the link hash it names at {@code lastSeq}; null for an {@code access.adopted} of
     *     the first release, which named none
     * @param unproven true for {@code access.unbound}, and for any binding event that is itself
     *     among records a gateway found unsigned at its start ({@code chain.resumed})
     */
    record Binding(String type, String chain, long eventSeq, long firstSeq, long lastSeq, String hash, boolean unproven) {
        String where() {
            return "the " + type + " event at chain " + chain + " seq " + eventSeq;
        }
    }

    /**
     * How one link is bound: by the first proving binding, else by the first unproven one, else
     * neither; {@code contradicted} when an event names another hash at this seq (already named).
     */
    record Status(Binding proving, Binding unproven, boolean contradicted) {
        static final Status NONE = new Status(null, null, false);

        boolean bound() {
            return proving != null;
        }
    }

    private final List<Binding> bindings = new ArrayList<>();

    /**
     * The access chain as a reader on one connection sees it.
     *
     * @param hashes link hash by access seq
     * @param times link time (microseconds) by access seq
     * @param statuses how each link is bound (absent: by nothing)
     */
    record Links(TreeMap<Long, String> hashes, Map<Long, Long> times, Map<Long, Status> statuses) {}

    /** Reads every link and every binding event on {@code c} (the access log is small). */
    static Links read(Connection c) throws SQLException {
        TreeMap<Long, String> hashes = new TreeMap<>();
        Map<Long, Long> times = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, time_micros, hash FROM access_chain ORDER BY seq");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                hashes.put(rs.getLong(1), String.valueOf(rs.getString(3)));
                times.put(rs.getLong(1), rs.getLong(2));
            }
        }
        AccessBindings bindings = new AccessBindings();
        try (PreparedStatement ps = c.prepareStatement("SELECT chain_id, seq, type, details FROM audit_events"
                + " WHERE type IN (?, ?, ?)")) {
            ps.setString(1, CHAINED);
            ps.setString(2, ADOPTED);
            ps.setString(3, UNBOUND);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    bindings.offer(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4));
                }
            }
        }
        return new Links(hashes, times, bindings.statuses(hashes, null));
    }

    /** True for the event types this class reads. */
    static boolean isBinding(String type) {
        return CHAINED.equals(type) || ADOPTED.equals(type) || UNBOUND.equals(type);
    }

    /**
     * Reads a binding event; ignores it (returns false) when its details do not name what it binds
     * (the chain walk names a damaged event itself).
     */
    boolean offer(String chain, long eventSeq, String type, String detailsJson) {
        Map<String, String> d;
        try {
            d = CanonicalJson.parseDetails(detailsJson);
        } catch (IllegalArgumentException e) {
            return false;
        }
        try {
            Binding b = switch (type) {
                case CHAINED -> new Binding(type, chain, eventSeq, number(d, "access_seq"), number(d, "access_seq"),
                        required(d, "access_hash"), false);
                case ADOPTED -> d.containsKey("last_seq")
                        ? new Binding(type, chain, eventSeq, number(d, "first_seq"), number(d, "last_seq"),
                                required(d, "access_hash"), false)
                        : new Binding(type, chain, eventSeq, 1, number(d, "rows"), null, false);
                case UNBOUND -> new Binding(type, chain, eventSeq, number(d, "first_seq"), number(d, "last_seq"),
                        required(d, "access_hash"), true);
                default -> null;
            };
            if (b == null || b.firstSeq() < 1 || b.lastSeq() < b.firstSeq()) {
                return false;
            }
            bindings.add(b);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Drops the bindings on {@code chain} that name no hash (an {@code access.adopted} of the
     * first release) and that no signed checkpoint covers: nothing would pin the links they
     * claim, and an honest one was signed long ago, at the upgrade.
     *
     * @param covered the seq of {@code chain} its newest signed checkpoint covers (0 when none)
     */
    void dropUnpinned(String chain, long covered) {
        bindings.removeIf(b -> b.hash() == null && b.chain().equals(chain) && b.eventSeq() > covered);
    }

    /** Marks the bindings on {@code chain} at seqs {@code first..last} as unproven (found there at a start). */
    void unproven(String chain, long first, long last) {
        bindings.replaceAll(b -> b.chain().equals(chain) && b.eventSeq() >= first && b.eventSeq() <= last && !b.unproven()
                ? new Binding(b.type(), b.chain(), b.eventSeq(), b.firstSeq(), b.lastSeq(), b.hash(), true) : b);
    }

    /**
     * Each link's status; bindings that contradict the links (a seq beyond the chain's end, or
     * another hash at their last seq) bind nothing and are named in {@code findings} when given.
     *
     * @param links the access chain as stored: seq to link hash
     */
    Map<Long, Status> statuses(NavigableMap<Long, String> links, Findings findings) {
        Map<Long, Status> out = new HashMap<>();
        long end = links.isEmpty() ? 0 : links.lastKey();
        Binding beyond = null;
        for (Binding b : bindings) {
            if (b.lastSeq() > end) {
                beyond = beyond == null || b.lastSeq() < beyond.lastSeq() ? b : beyond;
                continue;
            }
            String at = links.get(b.lastSeq());
            if (at == null) {
                continue; // a gap: the walk names it
            }
            if (b.hash() != null && !b.hash().equals(at)) {
                Status s = out.getOrDefault(b.lastSeq(), Status.NONE);
                out.put(b.lastSeq(), new Status(s.proving(), s.unproven(), true));
                if (findings != null) {
                    findings.addCrossCheck("access seq", b.lastSeq(), 2, "hash differs from the one " + b.where()
                            + " names: the access chain was rewritten");
                }
                continue;
            }
            for (long seq : links.subMap(b.firstSeq(), true, b.lastSeq(), true).keySet()) {
                Status s = out.getOrDefault(seq, Status.NONE);
                if (!b.unproven() && s.proving() == null) {
                    out.put(seq, new Status(b, s.unproven(), s.contradicted()));
                } else if (b.unproven() && s.unproven() == null) {
                    out.put(seq, new Status(s.proving(), b, s.contradicted()));
                }
            }
        }
        if (beyond != null && findings != null) {
            findings.addCrossCheck("access seq", end + 1, 2, "missing record: " + beyond.where() + " names access seq "
                    + beyond.lastSeq() + " (the access chain ends at seq " + end + ")");
        }
        return out;
    }

    private static long number(Map<String, String> d, String key) {
        try {
            return Long.parseLong(required(d, key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not a number", e);
        }
    }

    private static String required(Map<String, String> d, String key) {
        String v = d.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key);
        }
        return v;
    }
}
