package dev.gatehouse.gateway.cli;

import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.pki.JwsVerifier;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.VerifyReport;
import dev.gatehouse.recorder.Witness;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code audit verify}'s check, shared by the command line and the console's
 * {@code POST /api/v1/audit/verify}: every chain, checkpoint, witness, recording and the access
 * chain ({@link AuditStore#verify(List, String)}), plus the signatures of the signed decisions.
 */
public final class AuditVerification {

    /**
     * What a verification found.
     *
     * @param report the store's report, with the signed decisions' problems added
     * @param signedDecisions how many signed decisions the access log holds
     */
    public record Result(VerifyReport report, long signedDecisions) {
        /** Whether everything verified. */
        public boolean ok() {
            return report.intact();
        }

        /** {@code N chain(s), N event(s), ...}: what was checked. */
        public String summary() {
            return report.chains() + " chain(s), " + report.events() + " event(s), " + report.checkpoints()
                    + " signed checkpoint(s), " + report.recordings() + " recording(s), " + report.accessRecords()
                    + " access record(s), " + signedDecisions + " signed decision(s)";
        }
    }

    private AuditVerification() {}

    /** The witness files the gateway writes: the data folder's, then {@code store.witness_files}. */
    public static List<Witness> liveWitnesses(GatewayConfig cfg) {
        List<Witness> witnesses = new ArrayList<>();
        for (Path live : cfg.witnessFiles()) {
            witnesses.add(Witness.live(live, live.equals(cfg.defaultWitness()) ? "data_dir" : "store.witness_files"));
        }
        return witnesses;
    }

    /**
     * Verifies the store against {@code witnesses}.
     *
     * @param localChain the chain of the gateway that writes the live witnesses, or null
     * @param auditKey the audit key's public half (checkpoints and signed decisions)
     */
    public static Result run(AuditStore store, List<Witness> witnesses, String localChain, JwsVerifier auditKey) {
        VerifyReport report = store.verify(witnesses, localChain)
                .withMoreProblems(SignedDecisions.verify(store.accessLog(), auditKey));
        return new Result(report, SignedDecisions.count(store.accessLog()));
    }
}
