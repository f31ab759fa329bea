package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.TestClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (issue 9, R14/R29): "Nothing stays unsigned" measures a tail's age from the records' own
 * time and treats a time in the future as age zero. A whole chain inserted with INSERT only (no
 * trigger touched, no key), its records dated in the future, is walked, found consistent, has no
 * checkpoint, and is never old: audit verify passes for as long as the dates lie ahead.
 */
class ReviewFutureDatedChainTest {
    final HmacSigner signer = new HmacSigner("audit-key");
    final TestClock clock = new TestClock(StoreFixture.T0);

    @TempDir
    Path dir;

    @Test
    void aFabricatedChainDatedInTheFutureIsNamedByVerify() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("audit.db");
        Path witness = dir.resolve("checkpoints.jsonl");
        try (AuditStore store = AuditStore.open(new StoreOptions(url, "gw-1", signer, clock, 1024,
                StoreOptions.DEFAULT_QUEUE_BYTES, 100, Duration.ofSeconds(2), 1000, Duration.ofSeconds(30), List.of(witness)))) {
            store.append(AuditEvent.of("gateway.start", StoreFixture.T0, "success"));
        }
        long future = ChainHash.micros(StoreFixture.T0.plus(Duration.ofDays(3650)));
        String details = CanonicalJson.details(Map.of("command", "approve r-1", "reason", "fabricated"));
        String hash = ChainHash.event("gw-2", 1, future, "shell.command", "info", "10.0.0.5:4242", "bob", null, null, null,
                null, null, details, ChainHash.GENESIS);
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement chain = c.prepareStatement("INSERT INTO chains (chain_id, created_micros) VALUES (?, ?)");
                PreparedStatement ev = c.prepareStatement("INSERT INTO audit_events (" + StoreQueries.EVENT_COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            chain.setString(1, "gw-2");
            chain.setLong(2, future);
            chain.executeUpdate();
            Object[] v = {"gw-2", 1L, future, "shell.command", "info", "10.0.0.5:4242", "bob", null, null, null, null, null,
                details, ChainHash.GENESIS, hash};
            for (int i = 0; i < v.length; i++) {
                ev.setObject(i + 1, v[i]);
            }
            ev.executeUpdate();
        }
        clock.advance(Duration.ofDays(1));
        try (AuditStore reader = AuditStore.open(new StoreOptions(url, null, signer, clock, 1024,
                StoreOptions.DEFAULT_QUEUE_BYTES, 100, Duration.ofSeconds(2), 1000, Duration.ofSeconds(30), List.of()))) {
            VerifyReport report = reader.verify(List.of(Witness.live(witness, "data_dir")), "gw-1");
            assertThat(report.intact()).as("a chain nobody signed, a day after it appeared: " + report.tails()).isFalse();
        }
    }
}
