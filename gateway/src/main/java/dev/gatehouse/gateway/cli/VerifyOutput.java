package dev.gatehouse.gateway.cli;

import dev.gatehouse.gateway.shell.Views;
import dev.gatehouse.recorder.VerifyReport;
import dev.gatehouse.recorder.Witness;
import java.io.PrintStream;

/**
 * What {@code audit verify} prints: the verdict first ({@code audit verify: OK: ...} or
 * {@code audit verify: FAILED: FIRST PROBLEM}), then what it trusted (the audit key, the
 * witnesses), what no signed checkpoint covers yet, what a gateway signed in at its start without
 * proof, and what it cannot catch. Every string that comes from the store or a witness file
 * (chain ids, session ids, access row keys, what a damaged line says) is written through the one
 * escaping rule ({@link Views#escape}): the store is what verify distrusts, and a chain id must not
 * be able to move the cursor and repaint the verdict.
 */
final class VerifyOutput {
    private static final int MORE = 20;

    private VerifyOutput() {}

    /**
     * @param thumbprint the audit key's RFC 7638 JWK thumbprint
     * @param keyEncrypted whether the audit key is encrypted at rest ({@code keys.passphrase_*})
     */
    static void print(PrintStream out, AuditVerification.Result result, String thumbprint, boolean keyEncrypted) {
        VerifyReport r = result.report();
        String summary = result.summary();
        if (r.intact()) {
            out.println("audit verify: OK: " + summary);
        } else {
            out.println("audit verify: FAILED: " + Views.escape(r.firstProblem()));
            r.problems().stream().skip(1).limit(MORE).forEach(p -> out.println("  also: " + Views.escape(p)));
            if (r.problems().size() > MORE + 1) {
                out.println("  ... and " + (r.problems().size() - MORE - 1) + " more");
            }
            out.println("checked " + summary);
        }
        out.println("trusted:");
        out.println("  audit key: ES256 (P-256), JWK thumbprint (RFC 7638) " + thumbprint
                + (keyEncrypted ? ", encrypted at rest" : ", not encrypted at rest"));
        for (VerifyReport.WitnessSummary w : r.witnesses()) {
            out.println("  witness " + Views.escape(w.witness().file().toString()) + " (" + w.witness().origin() + ", "
                    + (w.witness().kind() == Witness.Kind.LIVE ? "written by the gateway" : "a copy") + "): "
                    + (!w.exists() ? "missing" : w.lines() + " line(s)" + (w.newest() == null ? ""
                            : ", the newest chain " + Views.escape(w.newest().chain()) + " seq " + w.newest().seq()
                                    + " signed " + w.newest().time())));
        }
        out.println("not yet covered by a signed checkpoint (allowed for " + r.tailLimitText() + "):");
        for (VerifyReport.Tail t : r.tails()) {
            out.println("  " + Views.escape(t.subject()) + ": " + t.describe() + (t.witnessed() ? ""
                    : "; no witness holds this chain's checkpoints (another gateway's? check its witness with --witness)"));
        }
        if (!r.notes().isEmpty()) {
            out.println("signed in by a gateway at its start, unproven (a crash leaves these; so does an INSERT while no"
                    + " gateway ran):");
            r.notes().stream().limit(MORE).forEach(n -> out.println("  " + Views.escape(n)));
            if (r.notes().size() > MORE) {
                out.println("  ... and " + (r.notes().size() - MORE) + " more");
            }
        }
        out.println("what someone holding the database and the data folder could still do:");
        if (keyEncrypted) {
            out.println("  the audit key is encrypted, so without its passphrase they cannot sign checkpoints. They can");
            out.println("  delete the newest checkpoints with the records they cover and the matching witness lines:");
            out.println("  a witness out of their reach shows that at once, the unsigned records' age after the");
            out.println("  checkpoint interval (unless they re-date them too).");
        } else {
            out.println("  the audit key in the data folder is not encrypted: they can rewrite every record, sign new");
            out.println("  checkpoints and rewrite the witness there, and this check would pass. Only a witness out of");
            out.println("  their reach (store.witness_files on another host, or a copy checked with --witness) or an");
            out.println("  encrypted audit key (keys.passphrase_env or keys.passphrase_file) catches that.");
        }
        out.println("  Either way they can change or delete what no checkpoint covers yet (above). What they append");
        out.println("  to a stopped gateway's chain is signed in at its next start, but listed as unproven (above);");
        out.println("  a gateway started on a store they rewrote continues from it, and its checkpoints and");
        out.println("  witnesses still contradict the rewrite.");
    }
}
