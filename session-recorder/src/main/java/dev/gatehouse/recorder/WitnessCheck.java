package dev.gatehouse.recorder;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SignatureException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Verify's view of the witness files: each line's JWS verifies with the audit key and says what
 * the line says; a file's lines of one chain link ({@link CheckpointLinks}); the store holds
 * every witnessed checkpoint, identically; and a {@link Witness.Kind#LIVE} witness holds every
 * checkpoint the store has of the chains it covers, and of the local chain, except those signed
 * within {@code slack} of now (the gateway appends a line just after it commits).
 *
 * <p>Witnesses are read before the store, so a checkpoint committed while verify runs can only
 * look "not yet witnessed" (which the slack allows), never "witnessed but missing".
 */
final class WitnessCheck {
    /** One line that verified. */
    record Entry(Witness witness, int line, CheckpointRow cp) {
        String where() {
            return "witness " + witness.file() + " line " + line;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<Witness, Map<String, Entry>> newest = new LinkedHashMap<>();
    private final Map<Witness, Long> lineCounts = new HashMap<>();
    private final List<VerifyReport.WitnessSummary> summaries = new ArrayList<>();
    private final Set<String> chains = new TreeSet<>();
    private final List<Entry> unstored = new ArrayList<>();

    private WitnessCheck() {}

    static WitnessCheck read(List<Witness> witnesses, CheckpointSigner signer, Findings findings) {
        WitnessCheck out = new WitnessCheck();
        for (Witness w : witnesses) {
            out.readOne(w, signer, findings);
        }
        return out;
    }

    private void readOne(Witness w, CheckpointSigner signer, Findings findings) {
        Map<String, Entry> last = newest.computeIfAbsent(w, k -> new LinkedHashMap<>());
        if (!Files.exists(w.file())) {
            if (w.kind() == Witness.Kind.COPY) {
                findings.addWhole("witness " + w.file(), "cannot read it: no such file");
            }
            summaries.add(new VerifyReport.WitnessSummary(w, false, 0, null));
            return;
        }
        String subject = "witness " + w.file() + " line";
        Map<String, CheckpointLinks> links = new HashMap<>();
        Entry newestLine = null;
        int n = 0;
        // InputStreamReader replaces malformed UTF-8, so a damaged line is reported, not thrown.
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(w.file()),
                StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                n++;
                CheckpointRow cp = parse(line, signer, findings, subject, n);
                if (cp == null) {
                    continue;
                }
                String broken = links.computeIfAbsent(cp.chainId(), k -> new CheckpointLinks(true))
                        .next(cp, "removed from this witness");
                if (broken != null) {
                    findings.add(subject, n, 0, "checkpoint chain " + cp.chainId() + " seq " + cp.seq() + ": " + broken);
                }
                Entry e = new Entry(w, n, cp);
                entries.add(e);
                last.put(cp.chainId(), e);
                chains.add(cp.chainId());
                newestLine = e;
            }
        } catch (IOException e) {
            findings.addWhole("witness " + w.file(), "cannot read it: " + e);
        }
        lineCounts.put(w, (long) n);
        summaries.add(new VerifyReport.WitnessSummary(w, true, n, newestLine == null ? null
                : new VerifyReport.Checkpoint(newestLine.cp().chainId(), newestLine.cp().seq(),
                        ChainHash.instant(newestLine.cp().timeMicros()))));
    }

    /** The checkpoint a line holds, or null after naming what is wrong with it. */
    private static CheckpointRow parse(String line, CheckpointSigner signer, Findings findings, String subject, int n) {
        JsonNode tree;
        try {
            tree = CanonicalJson.tree(line);
        } catch (IllegalArgumentException e) {
            findings.add(subject, n, 0, "not a checkpoint line (" + e.getMessage() + ")");
            return null;
        }
        if (!tree.path("jws").isTextual()) {
            findings.add(subject, n, 0, "not a checkpoint line (no \"jws\" string)");
            return null;
        }
        if (signer == null) {
            findings.add(subject, n, 0, "not verified: no checkpoint signer (audit key) configured");
            return null;
        }
        CheckpointRow cp;
        try {
            cp = CheckpointRow.verified(signer, tree.get("jws").asText());
        } catch (SignatureException e) {
            findings.add(subject, n, 0, "signature does not verify with the audit key (forged line, or another key)");
            return null;
        } catch (IllegalArgumentException e) {
            findings.add(subject, n, 0, "the signed payload is not a checkpoint (" + e.getMessage() + ")");
            return null;
        }
        if (!CanonicalJson.tree(cp.witnessLine()).equals(tree)) {
            findings.add(subject, n, 0, "the line's fields differ from what its signature says (edited)");
            return null;
        }
        return cp;
    }

    /** Chains some witness holds checkpoints of. */
    Set<String> chains() {
        return chains;
    }

    List<VerifyReport.WitnessSummary> summaries() {
        return summaries;
    }

    /** Valid witness lines that are not in the store as they are here (after {@link #compare}). */
    List<Entry> unstored() {
        return unstored;
    }

    /**
     * Compares the witnesses with the store. Names every witnessed checkpoint the store lacks or
     * holds differently (and keeps it in {@link #unstored()}, whose heads verify checks the
     * chains against), and every store checkpoint missing from a live witness.
     */
    void compare(StoredCheckpoints stored, String localChain, Instant now, Duration slack, Findings findings) {
        for (Entry e : entries) {
            String jws = stored.jwsAt(e.cp().chainId(), e.cp().seq());
            String subject = "witness " + e.witness().file() + " line";
            String what = "checkpoint chain " + e.cp().chainId() + " seq " + e.cp().seq();
            if (jws == null) {
                findings.add(subject, e.line(), 1, what + " is missing from the store (deleted)");
                unstored.add(e);
            } else if (!jws.equals(e.cp().jws())) {
                findings.add(subject, e.line(), 1, what + " differs from the store's checkpoint at that seq (replaced)");
                unstored.add(e);
            }
        }
        for (Map.Entry<Witness, Map<String, Entry>> byWitness : newest.entrySet()) {
            Witness w = byWitness.getKey();
            if (w.kind() != Witness.Kind.LIVE) {
                continue;
            }
            Set<String> covered = new TreeSet<>(byWitness.getValue().keySet());
            if (localChain != null) {
                covered.add(localChain);
            }
            for (String chain : covered) {
                Entry last = byWitness.getValue().get(chain);
                long lastSeq = last == null ? 0 : last.cp().seq();
                List<CheckpointRow> after = stored.valid(chain).stream().filter(cp -> cp.seq() > lastSeq).toList();
                CheckpointRow late = after.stream()
                        .filter(cp -> ChainHash.instant(cp.timeMicros()).plus(slack).isBefore(now)).findFirst().orElse(null);
                if (late == null) {
                    continue;
                }
                String signed = "seq " + late.seq() + ", signed "
                        + Findings.human(Duration.between(ChainHash.instant(late.timeMicros()), now)) + " ago";
                if (last == null) {
                    findings.addWhole("witness " + w.file(), "holds no checkpoint of chain " + chain
                            + (chain.equals(localChain) ? " (this gateway's)" : "") + ", but the store holds "
                            + after.size() + " (from " + signed + "): the file was deleted, emptied or replaced");
                } else {
                    findings.add("witness " + w.file() + " line", lineCounts.getOrDefault(w, 0L) + 1, 1,
                            "missing: the store's checkpoint chain " + chain + " " + signed + " comes after this"
                                    + " witness's last line of that chain (line " + last.line() + ", seq " + last.cp().seq()
                                    + "): the witness was truncated or edited, or the gateway could not append to it");
                }
            }
        }
    }
}
