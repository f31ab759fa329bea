package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Threat: someone with write access to the audit database (an insider, or an intruder covering
 * tracks) edits, forges, deletes, reorders or truncates records and nobody notices. Each test
 * tampers with its own copy of a store written by a gracefully stopped gateway, one way, with the
 * sqlite3 CLI, and {@code audit verify} must exit 1 naming the first bad record.
 */
class AuditTamperIT extends GatewayTest {
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
        assertThat(r.stdout() + r.stderr()).isNotBlank();
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
