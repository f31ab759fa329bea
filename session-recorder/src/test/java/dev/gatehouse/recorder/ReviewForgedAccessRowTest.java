package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.TestClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (issue 9, R29): the access chain's head is whatever the database holds, and the gateway
 * extends it and signs it into its next checkpoint. Someone who may only INSERT (no trigger
 * dropped, no key: e.g. the gateway's own PostgreSQL role) appends an access row with a correctly
 * computed link, say the unlock of a user an admin locked; the gateway chains its next row after
 * it and signs the head; audit verify passes, and the next start folds the forged unlock into
 * state. Nothing ties a link to the access.chained event the gateway writes for each of its own.
 */
class ReviewForgedAccessRowTest {
    final HmacSigner signer = new HmacSigner("audit-key");
    final TestClock clock = new TestClock(StoreFixture.T0);

    @TempDir
    Path dir;

    @Test
    void anAccessRowAppendedWithAComputedLinkIsNamedByVerify() throws Exception {
        Path db = dir.resolve("audit.db");
        String url = "jdbc:sqlite:" + db;
        Path witness = dir.resolve("checkpoints.jsonl");
        StoreOptions writer = new StoreOptions(url, "gw-1", signer, clock, 1024, StoreOptions.DEFAULT_QUEUE_BYTES, 100,
                Duration.ofSeconds(2), 1000, Duration.ofSeconds(30), List.of(witness));
        try (AuditStore store = AuditStore.open(writer)) {
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "user", "mallory", null, "root-admin",
                    "incident", StoreFixture.T0));
            store.append(AuditEvent.of("lock.set", StoreFixture.T0, "success").withUser("root-admin"));
            store.checkpoint();

            // the forgery: a plain connection, INSERT only
            try (Connection c = DriverManager.getConnection(url)) {
                Object[] row = {2L, "unlock", "user", "mallory", null, "root-admin", null, ChainHash.micros(StoreFixture.T0.plusSeconds(5))};
                try (PreparedStatement ps = c.prepareStatement(AccessKind.LOCK.insertSql())) {
                    AccessKind.LOCK.bind(ps, row);
                    ps.executeUpdate();
                }
                AccessChain.Head head = AccessChain.head(c);
                long time = ChainHash.micros(StoreFixture.T0.plusSeconds(5));
                String key = AccessKind.LOCK.key(row);
                String digest = AccessKind.LOCK.digest(row);
                AccessChain.insertLinks(c, List.of(new AccessChain.Link(head.seq() + 1, time, "lock", key, digest,
                        head.hash(), ChainHash.accessLink(head.seq() + 1, time, "lock", key, digest, head.hash()))));
            }

            // the gateway goes on: its next access row links to the forged one, its next checkpoint signs it
            clock.advance(Duration.ofSeconds(10));
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "node", "gpu-node-9", null, "root-admin",
                    "maintenance", clock.instant()));
            store.append(AuditEvent.of("lock.set", clock.instant(), "success").withUser("root-admin"));
        }
        try (AuditStore reader = AuditStore.open(new StoreOptions(url, null, signer, clock, 1024,
                StoreOptions.DEFAULT_QUEUE_BYTES, 100, Duration.ofSeconds(2), 1000, Duration.ofSeconds(30), List.of()))) {
            assertThat(reader.accessLog().locks()).extracting(AccessLog.LockRow::action).contains("unlock");
            VerifyReport report = reader.verify(List.of(Witness.live(witness, "data_dir")), "gw-1");
            assertThat(report.intact()).as("an unlock nobody issued (no lock.lifted, no access.chained event) passes: "
                    + report.problems()).isFalse();
        }
    }
}
