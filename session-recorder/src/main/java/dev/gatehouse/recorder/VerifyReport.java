package dev.gatehouse.recorder;

import java.util.List;

/**
 * The result of walking every chain, checkpoint and recording.
 *
 * @param intact true when nothing is wrong
 * @param chains number of chains
 * @param events number of events checked
 * @param checkpoints number of signed checkpoints checked
 * @param recordings number of session recordings checked
 * @param problems what is wrong, first problem first; each names the record ({@code chain C seq N}
 *     or {@code session S chunk N}) and what is wrong with it
 */
public record VerifyReport(boolean intact, int chains, long events, long checkpoints, long recordings, List<String> problems) {
    public VerifyReport {
        problems = List.copyOf(problems);
    }

    /** The first problem, or null. */
    public String firstProblem() {
        return problems.isEmpty() ? null : problems.get(0);
    }
}
