package dev.gatehouse.recorder;

import java.time.Duration;
import java.time.Instant;

/**
 * Counts the records of one chain that follow its newest signed checkpoint, as a walk meets them,
 * and names the tail when its oldest record is older than the limit: checkpoints were deleted, or
 * the gateway was killed and not restarted (a running gateway signs within its checkpoint
 * interval, and at start when it finds such a tail).
 */
final class TailCounter {
    private final long covered;
    private long count;
    private long firstSeq;
    private long oldestMicros = Long.MAX_VALUE;

    /** @param covered the seq the newest signed checkpoint covers (0 when none) */
    TailCounter(long covered) {
        this.covered = covered;
    }

    /** Counts the record when it is past the covered seq. */
    void offer(long seq, long timeMicros) {
        if (seq > covered) {
            count++;
            firstSeq = firstSeq == 0 ? seq : firstSeq;
            oldestMicros = Math.min(oldestMicros, timeMicros);
        }
    }

    /**
     * @param chain the event chain, or null for the access chain
     * @param subject how problems name the chain's records ({@code chain C seq}, {@code access seq})
     * @param lastSeq the chain's last stored seq
     */
    VerifyReport.Tail finish(String chain, String subject, long lastSeq, boolean witnessed, Instant now, Duration limit,
            Findings findings) {
        long coveredSeq = Math.min(covered, lastSeq);
        if (count == 0) {
            return new VerifyReport.Tail(chain, coveredSeq, 0, null, Duration.ZERO, witnessed);
        }
        Instant oldest = ChainHash.instant(oldestMicros);
        Duration age = oldest.isAfter(now) ? Duration.ZERO : Duration.between(oldest, now);
        if (age.compareTo(limit) > 0) {
            findings.add(subject, firstSeq, 3, "not covered by a signed checkpoint for " + Findings.human(age)
                    + " (the limit is " + Findings.human(limit) + "): checkpoints after seq " + coveredSeq
                    + " were deleted, or the gateway stopped without its final checkpoint and was not restarted");
        }
        return new VerifyReport.Tail(chain, coveredSeq, count, oldest, age, witnessed);
    }
}
