package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Threat: someone with write access to the audit database (an insider, or an intruder covering
 * tracks) edits, forges, deletes, reorders or truncates records and nobody notices. Each test
 * tampers with its own copy of a store written by a gracefully stopped gateway, one way, with the
 * sqlite3 CLI (or with its own copy of the data folder's witness file), and {@code audit verify}
 * must exit 1 naming the first bad record. The fixture includes an approved elevation, so the
 * access log has a request and its decisions.
 */
class AuditTamperIT extends GatewayTest {
    /** How long a checkpoint may be missing from a live witness because it was signed just now (ChainVerifier.SLACK). */
    private static final Duration WITNESS_SLACK = Duration.ofSeconds(15);

    @Override
    Gateway.Options options() {
        return Elevations.options(false);
    }

    private String requestId;
    private Path store;
    /** SQL literal of the longest chain's id, its text, and its first and last seq. */
    private String chainLiteral;
    private String chainText;
    private long minSeq;
    private long maxSeq;
    private String marker;

    @TempDir
    Path tmp;

    @BeforeAll
    void writeAStoreAndStopGracefully() {
        marker = "tamper-me-" + Keys.token();
        gw.ssh(gw.alice(), Gateway.TARGET, "echo " + marker).requireSuccess();
        for (int i = 0; i < 3; i++) {
            gw.ssh(gw.alice(), Gateway.TARGET, "echo filler-" + i).requireSuccess();
        }
        gw.ssh(gw.alice(), "root@" + Gateway.NODE, "true"); // a denial is a record too
        requestId = Json.text(Elevations.activeGrant(gw, "30m"), "id");
        gw.awaitEndedSession("filler-2");
        assertThat(gw.stop()).as("graceful stop exits 0\n" + gw.log()).isZero();
        store = gw.dataDir().resolve("audit.db");

        String[] chain = Sqlite.row(store, "SELECT quote(chain_id), chain_id, min(seq), max(seq) FROM audit_events"
                + " GROUP BY chain_id ORDER BY count(*) DESC LIMIT 1");
        chainLiteral = chain[0];
        chainText = chain[1];
        minSeq = Long.parseLong(chain[2]);
        maxSeq = Long.parseLong(chain[3]);
        assertThat(maxSeq - minSeq).as("enough records to tamper in the middle").isGreaterThanOrEqualTo(8);
    }

    /** A record in the middle of the chain. */
    private long middle() {
        return minSeq + (maxSeq - minSeq) / 2;
    }

    private Path copy(String name) {
        Path copy = Sqlite.backup(store, tmp.resolve(name + ".db"));
        Sqlite.dropTriggers(copy);
        return copy;
    }

    private Proc.Result verify(Path db) {
        Path config = gw.configForStore(tmp.resolve(db.getFileName() + ".yaml"), "jdbc:sqlite:" + db);
        return Gateway.cli(config, "audit", "verify");
    }

    /** Verifies {@code db} with {@code dataDir} as the data folder (its keys, instance id and witness file). */
    private Proc.Result verify(Path db, Path dataDir) {
        Path config = gw.configFor(tmp.resolve(db.getFileName() + ".yaml"), dataDir, "jdbc:sqlite:" + db);
        return Gateway.cli(config, "audit", "verify");
    }

    /** A copy of the gateway's data folder without its store: keys, instance id, checkpoints.jsonl. */
    private Path dataCopy(String name) {
        Path copy = tmp.resolve(name + "-data");
        try (Stream<Path> files = Files.walk(gw.dataDir())) {
            for (Path from : files.toList()) {
                Path to = copy.resolve(gw.dataDir().relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else if (!from.getFileName().toString().startsWith("audit.db")) {
                    Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copy;
    }

    /**
     * The verifier runs in its own process on the real clock, and forgives a live witness for
     * lacking checkpoints signed within the slack (they may be on their way); a real intruder's
     * deletion is older. Waits, at most the slack, until this store's first checkpoint is that old.
     */
    private void letTheCheckpointsAgePastTheWitnessSlack(Path db) {
        long first = Long.parseLong(Sqlite.row(db, "SELECT min(time_micros) FROM checkpoints WHERE chain_id = "
                + chainLiteral)[0]);
        Instant old = Instant.EPOCH.plus(first, ChronoUnit.MICROS).plus(WITNESS_SLACK).plusSeconds(1);
        NodeSshd.sleep(Math.max(0, Duration.between(Instant.now(), old).toMillis()));
    }

    private void assertNamesChainSeq(Path db, long... acceptableSeqs) {
        Proc.Result r = verify(db);
        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        String all = r.stdout() + r.stderr();
        StringBuilder seqs = new StringBuilder();
        for (long s : acceptableSeqs) {
            seqs.append(seqs.length() == 0 ? "" : "|").append(s);
        }
        Pattern p = Pattern.compile("chain " + Pattern.quote(chainText) + " seq (" + seqs + "):");
        assertThat(p.matcher(all).find()).as("expected 'chain " + chainText + " seq " + seqs + ": ...'\n"
                + r.describe()).isTrue();
    }

    private String where(long seq) {
        return " WHERE chain_id = " + chainLiteral + " AND seq = " + seq;
    }

    @Test
    void untouchedCopyVerifies() {
        Proc.Result r = verify(copy("pristine"));
        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.stdout()).as(r.describe()).startsWith("audit verify: OK: 1 chain(s), ")
                .contains("audit key: ES256 (P-256), JWK thumbprint (RFC 7638) ")
                .contains("witness " + gw.dataDir().resolve("checkpoints.jsonl") + " (data_dir, written by the gateway): ")
                .contains("chain " + chainText + ": none after seq " + maxSeq)
                .contains("what someone holding the database and the data folder could still do:");
    }

    /**
     * Issue 9: the newest records cut off together with the checkpoint rows that covered them
     * passed verify; the checkpoint in data/checkpoints.jsonl still vouches for them.
     */
    @Test
    void truncatedChainWithItsCheckpointsDeletedIsCaughtByTheWitness() {
        Path db = copy("truncated-unsigned");
        long k = middle();
        Sqlite.exec(db, "DELETE FROM audit_events WHERE chain_id = " + chainLiteral + " AND seq > " + k + ";\n"
                + "DELETE FROM checkpoints WHERE chain_id = " + chainLiteral + " AND seq > " + k + ";");
        Proc.Result r = verify(db);
        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        assertThat(r.stdout()).as(r.describe()).startsWith("audit verify: FAILED: chain " + chainText + " seq " + (k + 1)
                + ": missing record: checkpoint at seq " + maxSeq + " (witness "
                + gw.dataDir().resolve("checkpoints.jsonl") + " line ");
    }

    /** Issue 9: deleting data/checkpoints.jsonl went unnoticed; verify never read the witness. */
    @Test
    void deletedWitnessFileIsNamed() throws IOException {
        Path db = copy("witness-deleted");
        Path data = dataCopy("witness-deleted");
        Files.delete(data.resolve("checkpoints.jsonl"));
        letTheCheckpointsAgePastTheWitnessSlack(db);
        Proc.Result r = verify(db, data);
        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        assertThat(r.stdout()).as(r.describe()).startsWith("audit verify: FAILED: witness "
                + data.resolve("checkpoints.jsonl") + ": holds no checkpoint of chain " + chainText + " (this gateway's)");
    }

    /** Issue 9: editing data/checkpoints.jsonl went unnoticed. */
    @Test
    void editedWitnessLineIsNamed() throws IOException {
        Path db = copy("witness-edited");
        Path data = dataCopy("witness-edited");
        Path witness = data.resolve("checkpoints.jsonl");
        List<String> lines = Files.readAllLines(witness);
        int last = lines.size() - 1;
        lines.set(last, lines.get(last).replaceFirst("\"head\":\"[0-9a-f]{64}\"", "\"head\":\"" + "0".repeat(64) + "\""));
        Files.write(witness, lines);
        Proc.Result r = verify(db, data);
        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        assertThat(r.stdout()).as(r.describe()).startsWith("audit verify: FAILED: witness " + witness + " line "
                + lines.size() + ": the line's fields differ from what its signature says (edited)");
    }

    /** Issue 9: an approval deleted together with its request (no dangling decision left) passed verify. */
    @Test
    void approvalDeletedWithItsRequestIsNamed() {
        Path db = copy("approval-deleted");
        String key = "[\"" + requestId + "\"]";
        String seq = Sqlite.row(db, "SELECT seq FROM access_chain WHERE kind = 'request' AND row_key = '" + key + "'")[0];
        assertThat(Sqlite.row(db, "SELECT count(*) FROM access_decisions WHERE request_id = '" + requestId + "'")[0])
                .as("the fixture's grant was approved").isNotEqualTo("0");
        Sqlite.exec(db, "DELETE FROM access_decisions WHERE request_id = '" + requestId + "';\n"
                + "DELETE FROM access_requests WHERE id = '" + requestId + "';");
        Proc.Result r = verify(db);
        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        assertThat(r.stdout()).as(r.describe()).startsWith("audit verify: FAILED: access seq " + seq + ": the request row "
                + key + " is missing (deleted)");
    }

    @Test
    void storeRefusesUpdateAndDeleteWhileTriggersStand() {
        Path db = Sqlite.backup(store, tmp.resolve("triggers.db"));
        assertThat(Sqlite.tryWrite(db, "UPDATE audit_events SET outcome = 'x'" + where(middle())).exit()).isNotZero();
        assertThat(Sqlite.tryWrite(db, "DELETE FROM audit_events" + where(middle())).exit()).isNotZero();
        assertThat(Sqlite.tryWrite(db, "DELETE FROM recording_chunks").exit()).isNotZero();
        assertThat(Sqlite.tryWrite(db, "DELETE FROM checkpoints").exit()).isNotZero();
    }

    @Test
    void editedRecordIsNamed() {
        Path db = copy("edited");
        long k = middle();
        Sqlite.exec(db, "UPDATE audit_events SET user_name = 'mallory'" + where(k));
        assertNamesChainSeq(db, k);
    }

    @Test
    void forgedRecordAppendedAfterTheLastIsNamed() {
        Path db = copy("forged-tail");
        Sqlite.exec(db, "INSERT INTO audit_events (chain_id, seq, time_micros, type, outcome, source, user_name,"
                + " node, login, cert_serial, grant_id, session_id, details, prev_hash, hash)"
                + " SELECT chain_id, seq + 1, time_micros + 1, type, outcome, source, 'mallory', node, login,"
                + " cert_serial, grant_id, session_id, details, hash, hash FROM audit_events" + where(maxSeq));
        assertNamesChainSeq(db, maxSeq + 1);
    }

    @Test
    void forgedRecordInsertedInTheMiddleWithLaterRecordsRenumberedIsNamed() {
        Path db = copy("forged-middle");
        long k = middle();
        // shift k+1.. up by one without tripping UNIQUE(chain_id, seq) midway
        Sqlite.exec(db, "UPDATE audit_events SET seq = seq + 1000000 WHERE chain_id = " + chainLiteral
                + " AND seq > " + k + ";\nUPDATE audit_events SET seq = seq - 999999 WHERE chain_id = "
                + chainLiteral + " AND seq > 1000000;\n"
                + "INSERT INTO audit_events (chain_id, seq, time_micros, type, outcome, source, user_name,"
                + " node, login, cert_serial, grant_id, session_id, details, prev_hash, hash)"
                + " SELECT chain_id, seq + 1, time_micros, type, outcome, source, 'mallory', node, login,"
                + " cert_serial, grant_id, session_id, details, hash, hash FROM audit_events" + where(k) + ";");
        assertNamesChainSeq(db, k + 1);
    }

    @Test
    void deletedRecordIsNamed() {
        Path db = copy("deleted");
        long k = middle();
        Sqlite.exec(db, "DELETE FROM audit_events" + where(k));
        // the gap itself, or the record after it whose prev_hash no longer matches
        assertNamesChainSeq(db, k, k + 1);
    }

    @Test
    void reorderedRecordsAreNamed() {
        Path db = copy("reordered");
        long k = middle();
        Sqlite.exec(db, "UPDATE audit_events SET seq = 1000000" + where(k) + ";\n"
                + "UPDATE audit_events SET seq = " + k + where(k + 1) + ";\n"
                + "UPDATE audit_events SET seq = " + (k + 1) + where(1000000) + ";");
        assertNamesChainSeq(db, k);
    }

    @Test
    void truncatedTailCoveredByACheckpointIsNamed() {
        Path db = copy("truncated");
        String checkpointed = Sqlite.row(db, "SELECT coalesce(max(seq), -1) FROM checkpoints WHERE chain_id = "
                + chainLiteral)[0];
        assertThat(Long.parseLong(checkpointed)).as("the final checkpoint at graceful shutdown covers the last record")
                .isEqualTo(maxSeq);
        Sqlite.exec(db, "DELETE FROM audit_events WHERE chain_id = " + chainLiteral + " AND seq > " + (maxSeq - 3));
        // the first missing record, or any of the missing ones the checkpoint vouches for
        assertNamesChainSeq(db, maxSeq - 2, maxSeq - 1, maxSeq);
    }

    @Test
    void editedRecordingChunkIsNamed() {
        Path db = copy("chunk");
        String[] chunk = Sqlite.row(db, "SELECT quote(session_id), session_id, seq FROM recording_chunks"
                + " WHERE instr(CAST(data AS TEXT), '" + marker + "') > 0 LIMIT 1");
        Sqlite.exec(db, "UPDATE recording_chunks SET data = CASE typeof(data)"
                + " WHEN 'blob' THEN CAST(replace(CAST(data AS TEXT), '" + marker + "', 'TAMPERED') AS BLOB)"
                + " ELSE replace(data, '" + marker + "', 'TAMPERED') END"
                + " WHERE session_id = " + chunk[0] + " AND seq = " + chunk[2]);
        Proc.Result r = verify(db);
        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        assertThat(r.stdout() + r.stderr()).as(r.describe())
                .contains("session " + chunk[1] + " chunk " + chunk[2] + ":");
    }
}
