package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
            for (int i = 1; i <= 10; i++) {
                store.append(event(i));
                if (i == 5) {
                    store.checkpoint();
                }
            }
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
            for (int i = 1; i <= 10; i++) {
                store.append(event(i));
                if (i == 5) {
                    store.checkpoint();
                }
            }
        }
        tamper("DELETE FROM audit_events WHERE seq = 3", "UPDATE audit_events SET seq = -(seq - 1) WHERE seq > 3",
                "UPDATE audit_events SET seq = -seq WHERE seq < 0");
        rehashFrom(3);
        VerifyReport report = verifyReadOnly();
        assertThat(report.intact()).isFalse();
        assertThat(report.firstProblem()).startsWith("chain gw-1 seq 5: ");
        assertThat(report.problems()).contains("chain gw-1 seq 10: missing record: checkpoint at seq 10 covers it (the chain ends at seq 9)");
    }
}
