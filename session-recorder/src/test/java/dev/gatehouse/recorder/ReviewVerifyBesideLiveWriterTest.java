package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.TestClock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (issue 9): the README promises "audit verify beside a running gateway passes". Access-log
 * writes (requests, decisions, locks, issued certificates) go on while verify reads: verify reads
 * the five access tables first and the access chain afterwards, each in its own snapshot, so a row
 * and link committed in between are reported as a deleted row on an honest store.
 */
class ReviewVerifyBesideLiveWriterTest {
    final HmacSigner signer = new HmacSigner("audit-key");
    final TestClock clock = new TestClock(StoreFixture.T0);

    @TempDir
    Path dir;

    @Test
    void verifyBesideALiveWriterOfTheAccessLogFindsNothing() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("audit.db") + "?busy_timeout=10000";
        StoreOptions writerOptions = new StoreOptions(url, "gw-1", signer, clock, 1024, StoreOptions.DEFAULT_QUEUE_BYTES,
                100, java.time.Duration.ofSeconds(2), 1000, java.time.Duration.ofHours(1), List.of());
        StoreOptions readerOptions = new StoreOptions(url, null, signer, clock, 1024, StoreOptions.DEFAULT_QUEUE_BYTES,
                100, java.time.Duration.ofSeconds(2), 1000, java.time.Duration.ofHours(1), List.of());
        List<String> falseAlarms = new ArrayList<>();
        try (AuditStore writer = AuditStore.open(writerOptions)) {
            writer.append(AuditEvent.of("gateway.start", StoreFixture.T0, "success"));
            writer.flush();
            AtomicBoolean stop = new AtomicBoolean();
            Thread locks = new Thread(() -> {
                int i = 0;
                while (!stop.get()) {
                    i++;
                    writer.accessLog().appendLock(new AccessLog.LockRow(0, i % 2 == 1 ? "lock" : "unlock", "user",
                            "mallory", null, "root-admin", null, StoreFixture.T0.plusMillis(i)));
                }
            });
            locks.start();
            try (AuditStore reader = AuditStore.open(readerOptions)) {
                for (int run = 0; run < 40 && falseAlarms.isEmpty(); run++) {
                    VerifyReport report = reader.verify();
                    report.problems().stream().filter(p -> p.startsWith("access")).forEach(falseAlarms::add);
                }
            } finally {
                stop.set(true);
                locks.join();
            }
        }
        assertThat(falseAlarms).as("problems named on an honest store while the gateway writes access rows").isEmpty();
    }
}
