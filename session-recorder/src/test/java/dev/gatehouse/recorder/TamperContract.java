package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The tamper part of the contract. Each test plays an attacker with direct database access who
 * bypasses the append-only triggers, and checks that verify names the first bad record.
 */
interface TamperContract extends StoreFixture {

    // ---- verify names the first bad record ----

    @Test
    default void verifyReportsAnUntouchedStoreIntact() {
        tenEventsClosed();
        VerifyReport report = verifyReadOnly();
        assertThat(report.problems()).isEmpty();
        assertThat(report.intact()).isTrue();
        assertThat(report.events()).isEqualTo(10);
        assertThat(report.checkpoints()).isEqualTo(1);
    }

    /** Threat: someone changes what an audit record says. */
    @Test
    default void verifyNamesTheEditedRow() throws SQLException {
        tenEventsClosed();
        tamper("UPDATE audit_events SET user_name = 'mallory' WHERE seq = 4");
        VerifyReport report = verifyReadOnly();
        assertThat(report.intact()).isFalse();
        assertThat(report.firstProblem()).startsWith("chain gw-1 seq 4: ").contains("modified");
    }

    /** Threat: someone forges a record with a made-up hash. */
    @Test
    default void verifyNamesAForgedRow() throws SQLException {
        tenEventsClosed();
        tamper("INSERT INTO audit_events (chain_id, seq, time_micros, type, outcome, details, prev_hash, hash)"
                + " VALUES ('gw-1', 11, 0, 'auth.success', 'success', '{}', '" + "ab".repeat(32) + "', '"
                + "cd".repeat(32) + "')");
        assertThat(verifyReadOnly().firstProblem()).startsWith("chain gw-1 seq 11: ");
    }

    /** Threat: someone slips a well-formed record into the middle and renumbers the rest. */
    @Test
    default void verifyNamesARowInsertedInTheMiddle() throws SQLException {
        tenEventsClosed();
        String prev = storedHash(3);
        tamper("UPDATE audit_events SET seq = -(seq + 1) WHERE seq >= 4", "UPDATE audit_events SET seq = -seq WHERE seq < 0");
        String details = CanonicalJson.details(Map.of("n", "forged"));
        String hash = ChainHash.event(CHAIN, 4, 0, "auth.success", "success", null, "mallory", null, null, null, null, null,
                details, prev);
        tamper("INSERT INTO audit_events (chain_id, seq, time_micros, type, outcome, user_name, details, prev_hash, hash)"
                + " VALUES ('gw-1', 4, 0, 'auth.success', 'success', 'mallory', '" + details + "', '" + prev + "', '" + hash + "')");
        assertThat(verifyReadOnly().firstProblem()).startsWith("chain gw-1 seq 4: ").contains("inserted");
    }

    /** Threat: someone deletes an embarrassing record. */
    @Test
    default void verifyNamesTheDeletedRow() throws SQLException {
        tenEventsClosed();
        tamper("DELETE FROM audit_events WHERE seq = 6");
        assertThat(verifyReadOnly().firstProblem()).startsWith("chain gw-1 seq 6: missing record");
    }

    /** Threat: someone swaps the order of two records. */
    @Test
    default void verifyNamesTheFirstReorderedRow() throws SQLException {
        tenEventsClosed();
        tamper("UPDATE audit_events SET seq = -1 WHERE seq = 5", "UPDATE audit_events SET seq = 5 WHERE seq = 6",
                "UPDATE audit_events SET seq = 6 WHERE seq = -1");
        assertThat(verifyReadOnly().firstProblem()).startsWith("chain gw-1 seq 5: ");
    }

    /** Threat: someone cuts off the most recent records; only the signed checkpoint remembers them. */
    @Test
    default void verifyNamesTheFirstRecordOfATruncatedTail() throws SQLException {
        tenEventsClosed();
        tamper("DELETE FROM audit_events WHERE seq >= 8");
        assertThat(verifyReadOnly().firstProblem())
                .isEqualTo("chain gw-1 seq 8: missing record: checkpoint at seq 10 covers it (the chain ends at seq 7)");
    }

    /** Threat: someone adds a checkpoint without the audit key to bless a rewritten chain. */
    @Test
    default void verifyRejectsAForgedCheckpoint() throws SQLException {
        tenEventsClosed();
        String forged = new HmacSigner("not-the-audit-key").sign(
                CanonicalJson.checkpointPayload(CHAIN, 7, storedHash(7), 0));
        tamper("INSERT INTO checkpoints (chain_id, seq, head_hash, time_micros, jws) VALUES ('gw-1', 7, '"
                + storedHash(7) + "', 0, '" + forged + "')");
        VerifyReport report = verifyReadOnly();
        assertThat(report.intact()).isFalse();
        assertThat(report.firstProblem()).startsWith("chain gw-1 seq 7: checkpoint signature does not verify");
    }

    /** Threat: an attacker edits a record and recomputes every later hash; the signed checkpoint still disagrees. */
    @Test
    default void verifyCatchesAFullyRehashedChainThroughItsCheckpoint() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            tenEventsCheckpointedAfter(store, 5);
        }
        tamper("UPDATE audit_events SET user_name = 'mallory' WHERE seq = 5");
        rehashFrom(5);
        VerifyReport report = verifyReadOnly();
        assertThat(report.intact()).isFalse();
        assertThat(report.firstProblem()).startsWith("chain gw-1 seq 5: hash differs from the signed checkpoint");
    }

    /** Threat: an attacker deletes a record, renumbers and recomputes every later hash. */
    @Test
    default void verifyCatchesADeletionHiddenByRehashing() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            tenEventsCheckpointedAfter(store, 5);
        }
        tamper("DELETE FROM audit_events WHERE seq = 3", "UPDATE audit_events SET seq = -(seq - 1) WHERE seq > 3",
                "UPDATE audit_events SET seq = -seq WHERE seq < 0");
        rehashFrom(3);
        VerifyReport report = verifyReadOnly();
        assertThat(report.intact()).isFalse();
        assertThat(report.firstProblem()).startsWith("chain gw-1 seq 5: ");
        assertThat(report.problems()).contains("chain gw-1 seq 10: missing record: checkpoint at seq 10 covers it (the chain ends at seq 9)");
    }

    // ---- R29: checkpoints deleted with what they cover, witnesses, the access chain, the tail ----

    /** Threat: an attacker rewrites records from seq 7 on, recomputes every later hash and deletes the checkpoint that covered them. */
    @Test
    default void aRewrittenChainWhoseCheckpointsWereDeletedIsCaughtByTheWitness() throws SQLException {
        tenEventsTwoCheckpointsWitnessed();
        tamper("UPDATE audit_events SET user_name = 'mallory' WHERE seq = 7");
        rehashFrom(7);
        tamper("DELETE FROM checkpoints WHERE seq > 5");
        VerifyReport report = verifyWith(liveWitness());
        assertThat(report.intact()).isFalse();
        assertThat(report.firstProblem()).isEqualTo("chain gw-1 seq 10: hash differs from the signed checkpoint at seq 10"
                + " (witness " + witnessPath() + " line 2): the chain was rewritten after seq 5");
        assertThat(report.problems()).contains("witness " + witnessPath()
                + " line 2: checkpoint chain gw-1 seq 10 is missing from the store (deleted)");
    }

    /** Threat: the same rewrite by someone who also removed the witness lines: the uncovered records age past the interval. */
    @Test
    default void aRewrittenChainWhoseCheckpointsWereDeletedShowsAsAnOldTail() throws SQLException {
        tenEventsTwoCheckpointsWitnessed();
        tamper("UPDATE audit_events SET user_name = 'mallory' WHERE seq = 7");
        rehashFrom(7);
        tamper("DELETE FROM checkpoints WHERE seq > 5");
        VerifyReport report = verifyAt(T0.plus(Duration.ofHours(2)));
        assertThat(report.intact()).isFalse();
        assertThat(report.firstProblem()).isEqualTo("chain gw-1 seq 6: not covered by a signed checkpoint for 1 h 59 min"
                + " 54 s (the limit is 1 h 0 min 15 s): checkpoints after seq 5 were deleted, or the gateway stopped"
                + " without its final checkpoint and was not restarted");
        assertThat(report.tails()).first().satisfies(t -> {
            assertThat(t.chain()).isEqualTo(CHAIN);
            assertThat(t.coveredSeq()).isEqualTo(5);
            assertThat(t.records()).isEqualTo(5);
            assertThat(t.witnessed()).isFalse();
        });
    }

    /** Threat: an attacker cuts off the newest records and deletes the checkpoint that covered them. */
    @Test
    default void aTruncatedChainWhoseCheckpointsWereDeletedIsCaughtByTheWitness() throws SQLException {
        tenEventsTwoCheckpointsWitnessed();
        tamper("DELETE FROM audit_events WHERE seq >= 8", "DELETE FROM checkpoints WHERE seq > 5");
        VerifyReport report = verifyWith(liveWitness());
        assertThat(report.firstProblem()).isEqualTo("chain gw-1 seq 8: missing record: checkpoint at seq 10 (witness "
                + witnessPath() + " line 2) covers it (the chain ends at seq 7)");
    }

    /** Threat: an attacker deletes a checkpoint from the middle, e.g. one that vouched for records they then changed. */
    @Test
    default void aCheckpointDeletedFromTheMiddleBreaksTheCheckpointChain() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            tenEventsCheckpointedAfter(store, 3, 6);
        }
        assertThat(verifyReadOnly().problems()).isEmpty();
        tamper("DELETE FROM checkpoints WHERE seq = 6");
        assertThat(verifyReadOnly().firstProblem()).isEqualTo("checkpoint chain gw-1 seq 10: does not link to the"
                + " checkpoint before it (seq 3): checkpoints between them were deleted from the store");
        tamper("DELETE FROM checkpoints WHERE seq = 3");
        assertThat(verifyReadOnly().firstProblem()).isEqualTo("checkpoint chain gw-1 seq 10: links to an earlier"
                + " checkpoint that is not here: the checkpoints before it were deleted from the store");
    }

    /** Threat: an attacker deletes data/checkpoints.jsonl, the witness that remembers deleted checkpoints. */
    @Test
    default void aDeletedWitnessFileIsNamed() throws Exception {
        tenEventsTwoCheckpointsWitnessed();
        assertThat(verifyWith(liveWitness()).problems()).isEmpty();
        Files.delete(witnessPath());
        VerifyReport report = verifyWith(liveWitness());
        assertThat(report.firstProblem()).isEqualTo("witness " + witnessPath() + ": holds no checkpoint of chain gw-1"
                + " (this gateway's), but the store holds 2 (from seq 5, signed 1 min ago): the file was deleted,"
                + " emptied or replaced");
        assertThat(report.witnesses()).singleElement().satisfies(w -> assertThat(w.exists()).isFalse());
    }

    /** Threat: an attacker edits a witness line so it no longer contradicts a rewritten store. */
    @Test
    default void anEditedWitnessLineIsNamed() throws Exception {
        tenEventsTwoCheckpointsWitnessed();
        List<String> lines = Files.readAllLines(witnessPath());
        Files.write(witnessPath(), List.of(lines.get(0), lines.get(1).replaceFirst("\"head\":\"[0-9a-f]{64}\"",
                "\"head\":\"" + "ab".repeat(32) + "\"")));
        assertThat(verifyWith(liveWitness()).firstProblem()).isEqualTo("witness " + witnessPath()
                + " line 2: the line's fields differ from what its signature says (edited)");
        Files.write(witnessPath(), List.of(lines.get(0), "{\"chain\":\"gw-1\",\"seq\":"));
        assertThat(verifyWith(liveWitness()).firstProblem()).startsWith("witness " + witnessPath()
                + " line 2: not a checkpoint line (not JSON: ");
    }

    /** Threat: an attacker cuts the newest lines off the witness along with the newest checkpoints. */
    @Test
    default void aTruncatedWitnessIsNamed() throws Exception {
        tenEventsTwoCheckpointsWitnessed();
        Files.write(witnessPath(), Files.readAllLines(witnessPath()).subList(0, 1));
        assertThat(verifyWith(liveWitness()).firstProblem()).isEqualTo("witness " + witnessPath() + " line 2: missing:"
                + " the store's checkpoint chain gw-1 seq 10, signed 1 min ago comes after this witness's last line of"
                + " that chain (line 1, seq 5): the witness was truncated or edited, or the gateway could not append to it");
    }

    /** Threat: a checkpoint is taken out of the witness's middle, so the witness lacks one the store has. */
    @Test
    default void aCheckpointTheWitnessLacksIsNamed() throws Exception {
        try (AuditStore store = openWitnessed(CHAIN)) {
            tenEventsCheckpointedAfter(store, 3, 6);
        }
        List<String> lines = Files.readAllLines(witnessPath());
        Files.write(witnessPath(), List.of(lines.get(0), lines.get(2)));
        assertThat(verifyWith(liveWitness()).firstProblem()).isEqualTo("witness " + witnessPath() + " line 2: checkpoint"
                + " chain gw-1 seq 10: does not link to the checkpoint before it (seq 3): checkpoints between them were"
                + " removed from this witness");
    }

    /** A verifier beside a live gateway: a checkpoint signed moments ago may not be in the witness yet. */
    @Test
    default void aCheckpointSignedWithinTheSlackNeedNotBeWitnessedYet() throws Exception {
        tenEventsTwoCheckpointsWitnessed();
        Files.write(witnessPath(), Files.readAllLines(witnessPath()).subList(0, 1));
        assertThat(verifyAt(T0.plusSeconds(5), liveWitness()).problems()).isEmpty();
    }

    /** Threat: an approval is erased by deleting its decision together with its request, so no dangling row is left. */
    @Test
    default void aDecisionDeletedWithItsRequestIsNamed() throws SQLException {
        try (AuditStore store = openWitnessed(CHAIN)) {
            store.accessLog().createRequest(new AccessLog.RequestRow("r-1", "alice", "team-a", "mlops", "gpu-node-1", null,
                    Duration.ofMinutes(30), "restart the GPU driver", T0));
            store.accessLog().appendDecision(new AccessLog.DecisionRow("r-1", 0, "approve", "bob", null,
                    T0.plusSeconds(60), null, "x.y.z"));
        }
        assertThat(verifyWith(liveWitness()).problems()).isEmpty();
        tamper("DELETE FROM access_decisions WHERE request_id = 'r-1'", "DELETE FROM access_requests WHERE id = 'r-1'");
        VerifyReport report = verifyWith(liveWitness());
        assertThat(report.intact()).isFalse();
        assertThat(report.problems()).containsExactly(
                "access seq 1: the request row [\"r-1\"] is missing (deleted)",
                "access seq 2: the decision row [\"r-1\",1] is missing (deleted)");
    }

    /** Threat: a decision is changed after the fact (who approved it, or that it was a denial). */
    @Test
    default void anEditedDecisionIsNamed() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.accessLog().createRequest(new AccessLog.RequestRow("r-1", "alice", null, "mlops", "gpu-node-1", null,
                    Duration.ofMinutes(30), null, T0));
            store.accessLog().appendDecision(new AccessLog.DecisionRow("r-1", 0, "deny", "bob", "no", T0, null, "x.y.z"));
        }
        tamper("UPDATE access_decisions SET action = 'approve' WHERE request_id = 'r-1'");
        assertThat(verifyReadOnly().firstProblem())
                .isEqualTo("access seq 2: the decision row [\"r-1\",1] differs from what was chained (modified)");
    }

    /** Threat: someone inserts an unlock (or an approval) straight into the table, bypassing the gateway. */
    @Test
    default void anAccessRowInsertedOffTheChainIsNamed() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "user", "mallory", "root-admin", null, T0));
        }
        tamper("INSERT INTO access_locks (seq, action, kind, name, actor, time_micros) VALUES (2, 'unlock', 'user',"
                + " 'mallory', 'root-admin', 0)");
        assertThat(verifyReadOnly().firstProblem())
                .isEqualTo("access row lock [2]: not on the access chain (inserted outside the gateway)");
    }

    /** Threat: an attacker edits a decision and rebuilds the whole access chain, digests and links, to match. */
    @Test
    default void anAccessChainRewrittenWholesaleContradictsTheSignedCheckpoints() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.accessLog().createRequest(new AccessLog.RequestRow("r-1", "alice", null, "mlops", "gpu-node-1", null,
                    Duration.ofMinutes(30), null, T0));
            store.accessLog().appendDecision(new AccessLog.DecisionRow("r-1", 0, "deny", "bob", "no", T0, null, "x.y.z"));
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "user", "mallory", "root-admin", null, T0));
        }
        tamper("UPDATE access_decisions SET action = 'approve' WHERE request_id = 'r-1'");
        rehashAccessChain();
        VerifyReport report = verifyReadOnly();
        assertThat(report.intact()).isFalse();
        assertThat(report.firstProblem()).startsWith("access seq 3: hash differs from the access head signed in checkpoint"
                + " chain gw-1 seq ").endsWith(": the access chain was rewritten after seq 0");
        assertThat(report.problems()).as("the edited link's own event names it too").contains("access seq 2: hash differs"
                + " from the one the access.chained event at chain gw-1 seq 2 names: the access chain was rewritten");
    }

    /** Threat: the same, with the edited decision's link dropped: the signed head names a seq the chain no longer has. */
    @Test
    default void anAccessChainShortenedWholesaleContradictsTheSignedCheckpoints() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.accessLog().createRequest(new AccessLog.RequestRow("r-1", "alice", null, "mlops", "gpu-node-1", null,
                    Duration.ofMinutes(30), null, T0));
            store.accessLog().appendDecision(new AccessLog.DecisionRow("r-1", 0, "approve", "bob", null, T0, null, "x.y.z"));
        }
        tamper("DELETE FROM access_decisions WHERE request_id = 'r-1'");
        rehashAccessChain();
        assertThat(verifyReadOnly().firstProblem()).startsWith("access seq 2: missing record: checkpoint chain gw-1 seq ")
                .endsWith(" covers access seq 2 (the access chain ends at seq 1)");
    }

    /** A verifier beside a running gateway: records younger than the checkpoint interval are reported, not failed. */
    @Test
    default void aTailYoungerThanTheIntervalIsReportedNotFailed() {
        try (AuditStore writer = open(CHAIN)) {
            writer.append(event(1));
            writer.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "user", "mallory", "root-admin", null, T0));
            writer.flush();
            VerifyReport report = verifyAt(T0.plus(Duration.ofMinutes(59)));
            assertThat(report.problems()).isEmpty();
            assertThat(report.tails()).extracting(VerifyReport.Tail::subject, VerifyReport.Tail::coveredSeq,
                    VerifyReport.Tail::records).containsExactly(tuple("chain gw-1", 0L, 2L), tuple("access chain", 0L, 1L));
        }
    }

    /** Threat: the gateway is killed (or its newest checkpoints deleted) and its last records stay unsigned for good. */
    @Test
    default void aTailOlderThanTheIntervalIsAFailure() {
        try (AuditStore writer = open(CHAIN)) {
            writer.append(event(1));
            writer.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "user", "mallory", "root-admin", null, T0));
            writer.flush();
            VerifyReport report = verifyAt(T0.plus(Duration.ofMinutes(61)));
            assertThat(report.problems()).containsExactly(
                    "access seq 1: not covered by a signed checkpoint for 1 h 1 min (the limit is 1 h 0 min 15 s):"
                            + " checkpoints after seq 0 were deleted, or the gateway stopped without its final checkpoint"
                            + " and was not restarted",
                    "chain gw-1 seq 1: not covered by a signed checkpoint for 1 h 1 min (the limit is 1 h 0 min 15 s):"
                            + " checkpoints after seq 0 were deleted, or the gateway stopped without its final checkpoint"
                            + " and was not restarted");
        }
    }

    /** A store written before checkpoints were chained and access rows hashed opens, carries on and verifies intact. */
    @Test
    default void aStoreFromBeforeTheChainsUpgradesAndVerifiesIntact() throws Exception {
        String v1 = previousReleaseStore();
        try (AuditStore store = openWitnessed(CHAIN)) {
            store.append(event(5));
            store.accessLog().appendDecision(new AccessLog.DecisionRow("r-1", 0, "revoke", "bob", null, T0.plusSeconds(9),
                    null, "x.y.z"));
        }
        VerifyReport report = verifyWith(liveWitness());
        assertThat(report.problems()).isEmpty();
        assertThat(report.accessRecords()).isEqualTo(3);
        assertThat(count("SELECT COUNT(*) FROM checkpoints")).isEqualTo(2);
        List<String> lines = Files.readAllLines(witnessPath());
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).doesNotContain("\"prev\"");
        assertThat(lines.get(1)).contains("\"prev\":\"" + ChainHash.sha256Hex(v1) + "\"");
        assertThat(report.events()).as("4 from before, access.adopted, event 5, access.chained").isEqualTo(7);
    }

    /** Threat: someone holding the audit key signs an old-style checkpoint, which names no predecessor, to hide a deletion. */
    @Test
    default void anUnchainedCheckpointAfterAChainedOneIsAFailure() throws Exception {
        previousReleaseStore();
        try (AuditStore store = open(CHAIN)) {
            store.append(event(5));
            store.checkpoint();
            store.append(event(6));
        }
        long last = count("SELECT MAX(seq) FROM checkpoints");
        String head = storedHash(last);
        String forged = signer().sign(CanonicalJson.checkpointPayload(CHAIN, last, head, 0));
        tamper("DELETE FROM checkpoints WHERE seq = " + last, "INSERT INTO checkpoints (chain_id, seq, head_hash,"
                + " time_micros, jws) VALUES ('gw-1', " + last + ", '" + head + "', 0, '" + forged + "')");
        assertThat(verifyReadOnly().firstProblem()).isEqualTo("checkpoint chain gw-1 seq " + last + ": an unchained"
                + " (version 1) checkpoint after chained ones: version 1 checkpoints only come first, from before the upgrade");
    }

    /**
     * A store as the release before R29 left it (schema V2): four events, an unchained checkpoint
     * of seq 4 (also in the witness file), and a request with its approval but no access chain.
     *
     * @return the checkpoint's JWS
     */
    default String previousReleaseStore() throws Exception {
        Dialect dialect = Dialect.of(url());
        try (com.zaxxer.hikari.HikariDataSource ds = DataSources.open(url(), dialect, false)) {
            org.flywaydb.core.Flyway.configure(getClass().getClassLoader()).dataSource(ds)
                    .locations(dialect.migrationLocation()).target("2").load().migrate();
        }
        String prev = ChainHash.GENESIS;
        try (Connection c = raw()) {
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO chains (chain_id, created_micros) VALUES ('gw-1', 0)");
            }
            for (int n = 1; n <= 4; n++) {
                AuditEvent e = event(n);
                String details = CanonicalJson.details(e.details());
                long micros = ChainHash.micros(e.time());
                String hash = ChainHash.event(CHAIN, n, micros, e.type(), e.outcome(), null, e.user(), null, null, null,
                        null, null, details, prev);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_events (chain_id, seq, time_micros,"
                        + " type, outcome, user_name, details, prev_hash, hash) VALUES ('gw-1', ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setLong(1, n);
                    ps.setLong(2, micros);
                    ps.setString(3, e.type());
                    ps.setString(4, e.outcome());
                    ps.setString(5, e.user());
                    ps.setString(6, details);
                    ps.setString(7, prev);
                    ps.setString(8, hash);
                    ps.executeUpdate();
                }
                prev = hash;
            }
            long time = ChainHash.micros(T0.plusSeconds(4));
            String jws = signer().sign(CanonicalJson.checkpointPayload(CHAIN, 4, prev, time));
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO checkpoints (chain_id, seq, head_hash, time_micros, jws) VALUES ('gw-1', 4, '"
                        + prev + "', " + time + ", '" + jws + "')");
                st.executeUpdate("INSERT INTO access_requests (id, requester, login, target_node, duration_seconds,"
                        + " created_micros) VALUES ('r-1', 'alice', 'mlops', 'gpu-node-1', 1800, 0)");
                st.executeUpdate("INSERT INTO access_decisions (request_id, seq, action, actor, time_micros, jws)"
                        + " VALUES ('r-1', 1, 'approve', 'bob', 1, 'x.y.z')");
            }
            Files.writeString(witnessPath(), new CheckpointRow(CHAIN, 4, prev, time, null, 0, null, jws).witnessLine() + "\n");
            return jws;
        }
    }
}
