package dev.gatehouse.recorder;

import java.util.List;

/**
 * The witness files as read now ({@link AuditStore#witnessStatus}).
 *
 * @param witnesses per witness: present, line count, newest checkpoint
 * @param problems what reading them found wrong (a bad signature, a broken link), empty when none
 * @param stored per chain, the newest checkpoint in the store, to compare with the witnesses' newest
 */
public record WitnessStatus(List<VerifyReport.WitnessSummary> witnesses, List<String> problems,
        List<VerifyReport.Checkpoint> stored) {
    public WitnessStatus {
        witnesses = List.copyOf(witnesses);
        problems = List.copyOf(problems);
        stored = List.copyOf(stored);
    }
}
