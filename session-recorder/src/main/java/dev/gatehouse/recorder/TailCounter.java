package dev.gatehouse.recorder;

import java.time.Duration;
import java.time.Instant;

/**
 * Counts the records of one chain that follow its newest signed checkpoint, as a walk meets them,
 * and names the tail when it cannot come from a running gateway: its oldest record is older than
 * the limit (checkpoints were deleted, or the gateway was killed and not restarted: a running
 * gateway signs within its checkpoint interval, and at start), or one of its records is dated
 * after the time of the check by more than {@link ChainVerifier#SKEW} (a record's time is its
 * writer's clock; one from the future was written by someone else, choosing a date that would
 * keep the tail young for as long as it lies ahead).
 */
final class TailCounter {
    private final long covered;
    private final long latestMicros;
    private long count;
    private long firstSeq;
    private long oldestMicros = Long.MAX_VALUE;
    private long futureSeq;
    private long futureMicros;

    /**
     * @param covered the seq the newest signed checkpoint covers (0 when none)
     * @param now the time of the check: records dated after it by more than the skew are named
     */
    TailCounter(long covered, Instant now) {
        this.covered = covered;
        this.latestMicros = ChainHash.micros(now.plus(ChainVerifier.SKEW));
    }

    /** Counts the record when it is past the covered seq. */
    void offer(long seq, long timeMicros) {
        if (seq > covered) {
            count++;
            firstSeq = firstSeq == 0 ? seq : firstSeq;
            oldestMicros = Math.min(oldestMicros, timeMicros);
            if (timeMicros > latestMicros && futureSeq == 0) {
                futureSeq = seq;
                futureMicros = timeMicros;
            }
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
        if (futureSeq > 0) {
            Instant dated = ChainHash.instant(futureMicros);
            findings.add(subject, futureSeq, 3, "dated " + dated + ", " + Findings.human(Duration.between(now, dated))
                    + " after this check (more than the " + Findings.human(ChainVerifier.SKEW) + " of clock skew"
                    + " allowed), and no signed checkpoint covers it: inserted outside the gateway (or written on a"
                    + " host whose clock runs ahead)");
        }
        if (age.compareTo(limit) > 0) {
            findings.add(subject, firstSeq, 3, "not covered by a signed checkpoint for " + Findings.human(age)
                    + " (the limit is " + Findings.human(limit) + "): checkpoints after seq " + coveredSeq
                    + " were deleted, or the gateway stopped without its final checkpoint and was not restarted");
        }
        return new VerifyReport.Tail(chain, coveredSeq, count, oldest, age, witnessed);
    }
}
