package dev.gatehouse.recorder;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Walks one hash chain in stored seq order and names the first bad record.
 *
 * <p>Rules, checked per record at the expected seq: a gap is a {@code missing record} (deletion);
 * a record whose {@code prev_hash} skips back to an earlier accepted record marks the records in
 * between as inserted (an insertion with later rows renumbered); otherwise a record that does not
 * recompute or does not link to its predecessor is itself the bad one (edited, moved by
 * reordering, or forged). A small window of recent accepted hashes keeps memory bounded.
 */
final class LinkWalker {
    private static final int WINDOW = 64;

    /** The first problem found: the seq it names and what is wrong. */
    record Finding(long seq, String text) {}

    private final ArrayDeque<long[]> recentSeqs = new ArrayDeque<>();
    private final ArrayDeque<String> recentHashes = new ArrayDeque<>();
    private long expected = 1;
    private String lastHash = ChainHash.GENESIS;
    private long lastStoredSeq;
    private Finding finding;

    LinkWalker() {
        remember(0, ChainHash.GENESIS);
    }

    /**
     * Checks the next stored record.
     *
     * @param recomputed the hash recomputed from the record's stored columns
     */
    void next(long seq, String prevHash, String storedHash, String recomputed) {
        lastStoredSeq = Math.max(lastStoredSeq, seq);
        if (finding != null) {
            return;
        }
        if (seq < expected) {
            finding = new Finding(seq, "duplicate record (seq " + seq + " appears twice)");
            return;
        }
        if (seq > expected) {
            finding = new Finding(expected, "missing record (the next stored record is seq " + seq + ")");
            return;
        }
        boolean recomputes = recomputed.equals(storedHash);
        boolean links = lastHash.equals(prevHash);
        if (recomputes && links) {
            lastHash = storedHash;
            remember(seq, storedHash);
            expected++;
            return;
        }
        long linkedTo = links ? -1 : seqOf(prevHash);
        if (linkedTo >= 0 && linkedTo < seq - 1) {
            finding = new Finding(linkedTo + 1, "inserted record: seq " + seq + " links back to seq " + linkedTo
                    + ", so seq " + (linkedTo + 1) + (linkedTo + 1 < seq - 1 ? " to " + (seq - 1) : "")
                    + " was not in the original chain");
        } else if (!recomputes && links) {
            finding = new Finding(seq, "hash mismatch: the record was modified");
        } else if (!recomputes) {
            finding = new Finding(seq, "hash and prev_hash do not match: the record was modified, moved or forged");
        } else {
            finding = new Finding(seq, "prev_hash does not match the hash of seq " + (seq - 1)
                    + ": the record was forged or its predecessor rewritten");
        }
    }

    Finding finding() {
        return finding;
    }

    /** Highest seq stored (0 when none). */
    long lastStoredSeq() {
        return lastStoredSeq;
    }

    private void remember(long seq, String hash) {
        recentSeqs.addLast(new long[] {seq});
        recentHashes.addLast(hash);
        if (recentHashes.size() > WINDOW) {
            recentSeqs.removeFirst();
            recentHashes.removeFirst();
        }
    }

    private long seqOf(String hash) {
        Iterator<long[]> seqs = recentSeqs.iterator();
        for (String h : recentHashes) {
            long s = seqs.next()[0];
            if (h.equals(hash)) {
                return s;
            }
        }
        return -1;
    }
}
