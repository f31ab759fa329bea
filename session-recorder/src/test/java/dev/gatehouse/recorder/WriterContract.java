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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The writer part of the contract: group commit, backpressure, outage and recovery, close, checkpoints. */
interface WriterContract extends StoreFixture {

    // ---- writer: group commit, backpressure, outage, close ----

    @Test
    default void eightConcurrentAppendersGetOneGaplessChainInCallOrder() throws Exception {
        int threads = 8;
        int perThread = 1500;
        try (AuditStore store = open(CHAIN)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    go.await();
                    List<Long> seqs = new ArrayList<>();
                    for (int n = 0; n < perThread; n++) {
                        seqs.add(store.append(AuditEvent.of("test.event", T0, "info").with("thread", thread).with("n", n)));
                    }
                    return seqs;
                }));
            }
            go.countDown();
            for (Future<List<Long>> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isSorted();
            }
            pool.shutdown();
            store.flush();
            List<StoredEvent> events = store.events(EventQuery.all());
            assertThat(events).hasSize(threads * perThread);
            int[] lastN = new int[threads];
            java.util.Arrays.fill(lastN, -1);
            for (int i = 0; i < events.size(); i++) {
                StoredEvent e = events.get(i);
                assertThat(e.seq()).isEqualTo(i + 1);
                int thread = Integer.parseInt(e.event().details().get("thread"));
                int n = Integer.parseInt(e.event().details().get("n"));
                assertThat(n).as("thread %d order", thread).isEqualTo(lastN[thread] + 1);
                lastN[thread] = n;
            }
            assertThat(store.verify().problems()).isEmpty();
        }
    }

    /** Threat: a stalled database must not let the queue grow without bound or let appends hang. */
    @Test
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    default void fullQueueWithAStalledDatabaseBlocksThenThrows() throws Exception {
        StoreOptions o = new StoreOptions(url(LONG_LOCK_MS), CHAIN, signer(), clock(), 4,
                StoreOptions.DEFAULT_QUEUE_BYTES, 2, Duration.ofMillis(400), 1000,
                Duration.ofHours(1), List.of());
        try (AuditStore store = AuditStore.open(o)) {
            store.append(event(0));
            store.flush();
            int accepted = 1;
            try (AutoCloseable lock = holdWriteLock()) {
                long start = 0;
                StoreUnavailableException refused = null;
                for (int i = 1; i <= 20 && refused == null; i++) {
                    start = System.nanoTime();
                    try {
                        store.append(event(i));
                        accepted++;
                    } catch (StoreUnavailableException e) {
                        refused = e;
                    }
                }
                long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(refused).as("an append is refused once the queue is full").isNotNull();
                assertThat(refused.getMessage()).contains("queue full");
                assertThat(waitedMs).isBetween(350L, 3000L);
                assertThat(accepted).isLessThanOrEqualTo(1 + 4 + 2);
            }
            store.flush();
            assertThat(store.events(EventQuery.all())).extracting(StoredEvent::seq).hasSize(accepted).isSorted();
            assertThat(store.verify().problems()).isEmpty();
        }
    }

    /**
     * Threat: a terminal flood against a stalled database fills the queue with whole chunks. The
     * record count alone would let 65,536 chunks of 64 KiB (4 GiB) pile up in memory; the byte
     * budget stops the flood at {@code queueBytes}, and what was accepted is stored once the
     * database is back.
     */
    @Test
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    default void recordingDataBeyondTheByteBudgetWaitsThenIsRefused() throws Exception {
        int chunk = 64 * 1024;
        StoreOptions o = new StoreOptions(url(LONG_LOCK_MS), CHAIN, signer(), clock(), 1024, 4L * chunk, 2,
                Duration.ofMillis(400), 1000, Duration.ofHours(1), List.of());
        try (AuditStore store = AuditStore.open(o)) {
            int accepted = 0;
            try (AutoCloseable lock = holdWriteLock()) {
                StoreUnavailableException refused = null;
                long start = 0;
                for (int i = 0; i < 20 && refused == null; i++) {
                    start = System.nanoTime();
                    try {
                        store.appendChunk(RecordingChunk.of("s-flood", "o", i, new byte[chunk]));
                        accepted++;
                    } catch (StoreUnavailableException e) {
                        refused = e;
                    }
                }
                long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(refused).as("a chunk is refused once the byte budget is used up").isNotNull();
                assertThat(refused.getMessage()).contains("queue full").contains("recording data");
                assertThat(waitedMs).isBetween(350L, 3000L);
                assertThat(accepted).as("chunks held in memory").isEqualTo(4);
            }
            store.flush();
            assertThat(store.recording("s-flood")).hasSize(accepted);
            // Committed chunks give their bytes back: many budgets' worth now pass.
            for (int i = 0; i < 40; i++) {
                store.appendChunk(RecordingChunk.of("s-flood", "o", 100 + i, new byte[chunk]));
            }
            store.flush();
            assertThat(store.recording("s-flood")).hasSize(accepted + 40);
            assertThat(store.verifyRecording("s-flood").problems()).isEmpty();
        }
    }

    /** Threat: an audit-store outage goes unnoticed; it must be visible, fail closed, and be recorded once over. */
    @Test
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    default void outageMakesTheStoreUnhealthyAndRecoveryIsAudited() throws Exception {
        StoreOptions o = new StoreOptions(url(200), CHAIN, signer(), clock(), 1024,
                StoreOptions.DEFAULT_QUEUE_BYTES, 100, Duration.ofSeconds(2), 1000,
                Duration.ofHours(1), List.of());
        try (AuditStore store = AuditStore.open(o)) {
            store.append(event(1));
            store.flush();
            assertThat(store.healthy()).isTrue();
            try (AutoCloseable lock = holdWriteLock()) {
                store.append(event(2));
                await("store unhealthy", () -> !store.healthy());
                clock().advance(Duration.ofSeconds(42));
                store.append(event(3)); // room in the queue: still accepted
                assertThat(store.healthy()).isFalse();
            }
            await("store healthy again", store::healthy);
            await("recovery event", () -> !store.events(new EventQuery("audit.store_recovered", null, null, null, 10)).isEmpty());
            store.flush();
            List<StoredEvent> events = store.events(EventQuery.all());
            assertThat(events).extracting(StoredEvent::seq).containsExactly(1L, 2L, 3L, 4L);
            StoredEvent recovered = events.get(3);
            assertThat(recovered.event().type()).isEqualTo("audit.store_recovered");
            assertThat(recovered.event().outcome()).isEqualTo("info");
            assertThat(recovered.event().details()).containsEntry("down_ms", "42000");
            assertThat(store.verify().problems()).isEmpty();
        }
    }

    /** Threat: while the database refuses writes and the queue is full, sessions must be refused at once. */
    @Test
    @SuppressWarnings("try") // the lock is held for the block, never referenced
    default void failingStoreWithAFullQueueFailsFast() throws Exception {
        StoreOptions o = new StoreOptions(url(100), CHAIN, signer(), clock(), 2,
                StoreOptions.DEFAULT_QUEUE_BYTES, 1, Duration.ofSeconds(3), 1000,
                Duration.ofHours(1), List.of());
        try (AuditStore store = AuditStore.open(o)) {
            try (AutoCloseable lock = holdWriteLock()) {
                store.append(event(1));
                await("store unhealthy", () -> !store.healthy());
                store.append(event(2));
                store.append(event(3));
                long start = System.nanoTime();
                assertThatThrownBy(() -> store.append(event(4))).isInstanceOf(StoreUnavailableException.class)
                        .hasMessageContaining("failing");
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
                assertThatThrownBy(store::flush).isInstanceOf(StoreUnavailableException.class);
            }
            store.flush();
        }
    }

    @Test
    default void closeDrainsTheQueueAndWritesAFinalCheckpoint() throws SQLException {
        int n = 2000;
        try (AuditStore store = open(CHAIN)) {
            for (int i = 0; i < n; i++) {
                store.append(event(i));
            }
        }
        assertThatThrownBy(() -> {
            AuditStore closed = open(CHAIN);
            closed.close();
            closed.append(event(0));
        }).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("closed");
        try (AuditStore store = openReadOnly()) {
            assertThat(store.events(EventQuery.all())).hasSize(n);
            VerifyReport report = store.verify();
            assertThat(report.problems()).isEmpty();
            assertThat(report.events()).isEqualTo(n);
        }
        assertThat(count("SELECT MAX(seq) FROM checkpoints WHERE chain_id = 'gw-1'")).isEqualTo(n);
    }

    /**
     * The writer waits briefly for more recording data before it commits (group commit under a
     * flood); a close during that wait must still store every chunk, in order, with the events
     * behind it.
     */
    @Test
    default void closeDuringAFloodStoresEveryChunkInOrder() throws SQLException {
        int n = 300;
        try (AuditStore store = open(CHAIN)) {
            for (int i = 0; i < n; i++) {
                byte[] data = new byte[4096];
                java.util.Arrays.fill(data, (byte) ('a' + i % 26));
                store.appendOwnedChunk(RecordingChunk.of("s-flood", "o", i * 1000L, data));
                if (i % 100 == 0) {
                    store.append(event(i));
                }
            }
        }
        try (AuditStore store = openReadOnly()) {
            List<RecordingChunk> chunks = store.recording("s-flood");
            assertThat(chunks).hasSize(n);
            for (int i = 0; i < n; i++) {
                assertThat(chunks.get(i).seq()).isEqualTo(i + 1);
                assertThat(chunks.get(i).data()[0]).isEqualTo((byte) ('a' + i % 26));
            }
            assertThat(store.events(EventQuery.all())).hasSize(3);
            assertThat(store.verify().problems()).isEmpty();
        }
    }

    @Test
    default void checkpointsFollowTheRecordCountAndTheInjectedClock() throws Exception {
        StoreOptions o = new StoreOptions(url(), CHAIN, signer(), clock(), 1024,
                StoreOptions.DEFAULT_QUEUE_BYTES, 7, Duration.ofSeconds(2), 10,
                Duration.ofMinutes(5), List.of());
        try (AuditStore store = AuditStore.open(o)) {
            for (int i = 0; i < 25; i++) {
                store.append(event(i));
            }
            store.flush();
            assertThat(count("SELECT COUNT(*) FROM checkpoints")).isEqualTo(2);
            assertThat(count("SELECT MAX(seq) FROM checkpoints")).isEqualTo(20);
            store.append(event(26));
            store.flush();
            clock().advance(Duration.ofMinutes(6));
            await("timed checkpoint", () -> {
                try {
                    return count("SELECT MAX(seq) FROM checkpoints") == 26;
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    @Test
    default void checkpointsAreWrittenToTheWitnessFile() throws Exception {
        Path witness = Files.createTempDirectory("gatehouse-witness").resolve("witness.jsonl");
        try (AuditStore store = AuditStore.open(options(CHAIN).withWitnessFile(witness))) {
            store.append(event(1));
            store.checkpoint();
            store.append(event(2));
        }
        List<String> lines = Files.readAllLines(witness);
        assertThat(lines).hasSize(2);
        Map<String, Object> last = new com.fasterxml.jackson.databind.ObjectMapper().readValue(lines.get(1),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
        assertThat(last).containsEntry("chain", CHAIN).containsEntry("seq", 2).containsEntry("head", storedHash(2));
        byte[] payload = signer().verify((String) last.get("jws"));
        assertThat(new String(payload, StandardCharsets.UTF_8)).startsWith("{\"access_head\":\"" + ChainHash.GENESIS
                + "\",\"access_seq\":0,\"chain\":\"gw-1\",\"head\":\"");
        assertThat(last).containsEntry("prev", ChainHash.sha256Hex((String) new com.fasterxml.jackson.databind.ObjectMapper()
                .readValue(lines.get(0), Map.class).get("jws")));
    }

    /** Threat: a witness on a mount lost after start is written to the local disk beneath the mount point instead. */
    @Test
    default void aWitnessWhoseFolderIsGoneIsNotRecreatedAndCatchesUpOnceItIsBack() throws Exception {
        Path folder = Files.createDirectories(scratch().resolve("mnt").resolve("witness"));
        Path away = scratch().resolve("unmounted");
        Path file = folder.resolve("checkpoints.jsonl");
        try (AuditStore store = AuditStore.open(options(CHAIN).withWitnessFile(file))) {
            store.append(event(1));
            store.checkpoint();
            Files.move(folder, away);
            store.append(event(2));
            store.checkpoint();
            assertThat(folder).doesNotExist();
            Files.move(away, folder);
            store.append(event(3));
            store.checkpoint();
            assertThat(Files.readAllLines(file)).hasSize(3);
        }
    }

    /** A crash between a checkpoint's commit and its witness line (or a witness added later) leaves no gap after a restart. */
    @Test
    default void aWitnessThatMissedCheckpointsIsBroughtUpToDateAtOpen() throws Exception {
        tenEventsTwoCheckpointsWitnessed();
        List<String> lines = Files.readAllLines(witnessPath());
        Files.write(witnessPath(), lines.subList(0, 1));
        Path added = scratch().resolve("added.jsonl");
        try (AuditStore store = AuditStore.open(options(CHAIN).withWitnessFile(witnessPath()).withWitnessFile(added))) {
            assertThat(Files.readAllLines(witnessPath())).isEqualTo(lines);
            assertThat(Files.readAllLines(added)).containsExactly(lines.get(1));
        }
        VerifyReport report = verifyWith(liveWitness(), Witness.live(added, "store.witness_files"));
        assertThat(report.problems()).isEmpty();
        assertThat(report.witnesses()).extracting(VerifyReport.WitnessSummary::lines).containsExactly(2L, 1L);
    }
}
