package dev.gatehouse.recorder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The result of walking every chain, checkpoint, witness, recording and the access chain.
 *
 * @param intact true when nothing is wrong
 * @param chains number of event chains
 * @param events number of events checked
 * @param checkpoints number of signed checkpoints stored
 * @param recordings number of session recordings checked
 * @param accessRecords number of access-chain links checked (one per access-log row)
 * @param problems what is wrong, first problem first; each names the record: {@code chain C seq N},
 *     {@code session S chunk N}, {@code checkpoint chain C seq N}, {@code access seq N},
 *     {@code access row KIND KEY}, {@code witness FILE line N} or {@code witness FILE}, then
 *     {@code : } and what is wrong with it
 * @param notes what verify found but cannot prove, which is not a failure: records and access
 *     links a gateway found unsigned at its start and signed in then, having recorded them
 *     ({@code chain.resumed}, {@code access.unbound}); each names them as problems do
 *     ({@code chain C seq A-B: ...}, {@code access seq A-B: ...})
 * @param tails per event chain, then the access chain: what no signed checkpoint covers yet
 * @param witnesses the witness files read, in the order given
 * @param tailLimit how old an uncovered record may be (checkpoint interval plus slack)
 */
public record VerifyReport(boolean intact, int chains, long events, long checkpoints, long recordings, long accessRecords,
        List<String> problems, List<String> notes, List<Tail> tails, List<WitnessSummary> witnesses, Duration tailLimit) {

    public VerifyReport {
        problems = List.copyOf(problems);
        notes = List.copyOf(notes);
        tails = List.copyOf(tails);
        witnesses = List.copyOf(witnesses);
    }

    /** A report of chains and recordings only (one recording's verify). */
    public VerifyReport(boolean intact, int chains, long events, long checkpoints, long recordings, List<String> problems) {
        this(intact, chains, events, checkpoints, recordings, 0, problems, List.of(), List.of(), List.of(), Duration.ZERO);
    }

    /** The tail limit as text, such as {@code 45 s}. */
    public String tailLimitText() {
        return Findings.human(tailLimit);
    }

    /** The first problem, or null. */
    public String firstProblem() {
        return problems.isEmpty() ? null : problems.get(0);
    }

    /** This report with more problems appended (checks made outside the store, such as signed decisions). */
    public VerifyReport withMoreProblems(List<String> more) {
        List<String> all = new java.util.ArrayList<>(problems);
        all.addAll(more);
        return new VerifyReport(all.isEmpty(), chains, events, checkpoints, recordings, accessRecords, all, notes, tails,
                witnesses, tailLimit);
    }

    /**
     * Records after a chain's newest signed checkpoint (from the store or a witness).
     *
     * @param chain the event chain's id, or null for the access chain
     * @param coveredSeq the seq the newest signed checkpoint covers (0 when none)
     * @param records how many records follow it
     * @param oldest time of the oldest of them (null when none)
     * @param age how old that is at the time of the check (zero when none, or in the future)
     * @param witnessed true when a witness holds checkpoints of this chain (always true for the access chain)
     */
    public record Tail(String chain, long coveredSeq, long records, Instant oldest, Duration age, boolean witnessed) {
        /** {@code chain C} or {@code access chain}. */
        public String subject() {
            return chain == null ? "access chain" : "chain " + chain;
        }

        /** {@code none after seq N}, or {@code K record(s) after seq N, the oldest D old}. */
        public String describe() {
            return records == 0 ? "none after seq " + coveredSeq
                    : records + " record(s) after seq " + coveredSeq + ", the oldest " + Findings.human(age) + " old";
        }
    }

    /**
     * A witness file as read.
     *
     * @param lines lines in the file (0 when it is missing)
     * @param newest its last line that verified, or null
     */
    public record WitnessSummary(Witness witness, boolean exists, long lines, Checkpoint newest) {}

    /** A signed checkpoint, as a report shows it. */
    public record Checkpoint(String chain, long seq, Instant time) {}
}
