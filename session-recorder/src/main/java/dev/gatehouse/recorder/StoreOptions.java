package dev.gatehouse.recorder;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How to open the audit store.
 *
 * @param jdbcUrl {@code jdbc:sqlite:PATH} or {@code jdbc:postgresql://...}
 * @param chainId this writer's chain (one per gateway instance); null for read-only use (CLI)
 * @param signer signs checkpoints; also verifies them in {@code verify()}
 * @param clock time source
 * @param queueCapacity records the async writer holds before {@code append} applies backpressure
 * @param queueBytes recording data (chunk bytes) the writer holds, queued or in the batch it is
 *     committing, before {@code appendChunk} applies backpressure: the memory a slow database can
 *     make the gateway hold, whatever the chunk size
 * @param batchSize most records committed in one transaction (group commit)
 * @param appendTimeout how long {@code append} waits for room before failing with
 *     {@link StoreUnavailableException}
 * @param checkpointEvery sign a checkpoint after this many records ...
 * @param checkpointInterval ... or this much time, whichever comes first; {@code verify()} fails a
 *     chain whose records stayed uncovered longer than this plus a fixed slack
 * @param witnessFiles files each signed checkpoint of this chain is also appended to, one JSON
 *     line each (witnesses: {@code data/checkpoints.jsonl} and {@code store.witness_files}); at
 *     open, each is brought up to the store's newest checkpoint of this chain
 * @param spillFile where a writer that cannot drain at close keeps what it could not write
 *     ({@code data/audit-spill.jsonl}); at the next open it is verified and appended before
 *     anything else ({@link SpillFile}); null: such records are lost (logged)
 */
public record StoreOptions(
        String jdbcUrl,
        String chainId,
        CheckpointSigner signer,
        Clock clock,
        int queueCapacity,
        long queueBytes,
        int batchSize,
        Duration appendTimeout,
        int checkpointEvery,
        Duration checkpointInterval,
        List<Path> witnessFiles,
        Path spillFile) {

    public StoreOptions {
        witnessFiles = witnessFiles == null ? null : List.copyOf(witnessFiles);
    }

    /** Options without a spill file. */
    public StoreOptions(String jdbcUrl, String chainId, CheckpointSigner signer, Clock clock, int queueCapacity,
            long queueBytes, int batchSize, Duration appendTimeout, int checkpointEvery, Duration checkpointInterval,
            List<Path> witnessFiles) {
        this(jdbcUrl, chainId, signer, clock, queueCapacity, queueBytes, batchSize, appendTimeout, checkpointEvery,
                checkpointInterval, witnessFiles, null);
    }

    /**
     * While the database refuses writes, how long recording data may wait uncommitted: once the
     * batch the writer is retrying is this old, recording chunks are refused
     * ({@link StoreUnavailableException}), so live sessions whose output cannot be recorded end
     * within this bound (plus the time the database takes to report the failure: the pool's 5 s
     * connection timeout at most), not once the queue's bytes are full. README "When the audit
     * store fails".
     */
    public static final Duration UNRECORDED_OUTPUT_LIMIT = Duration.ofSeconds(10);

    /** Recording data a writer holds by default (64 MiB: a thousand 64 KiB chunks). */
    public static final long DEFAULT_QUEUE_BYTES = 64L << 20;

    /** Sensible defaults for a writer. */
    public static StoreOptions defaults(String jdbcUrl, String chainId, CheckpointSigner signer, Clock clock) {
        return new StoreOptions(jdbcUrl, chainId, signer, clock, 65_536, DEFAULT_QUEUE_BYTES, 1_000,
                Duration.ofSeconds(5), 1_000, Duration.ofSeconds(30), List.of());
    }

    /** These options with one more witness file. */
    public StoreOptions withWitnessFile(Path file) {
        List<Path> files = new ArrayList<>(witnessFiles);
        files.add(file);
        return new StoreOptions(jdbcUrl, chainId, signer, clock, queueCapacity, queueBytes, batchSize, appendTimeout,
                checkpointEvery, checkpointInterval, files, spillFile);
    }

    /** These options with {@code file} as the spill file. */
    public StoreOptions withSpillFile(Path file) {
        return new StoreOptions(jdbcUrl, chainId, signer, clock, queueCapacity, queueBytes, batchSize, appendTimeout,
                checkpointEvery, checkpointInterval, witnessFiles, file);
    }

    /** These options with another checkpoint cadence (what a reader's tail check allows, too). */
    public StoreOptions withCheckpoints(int every, Duration interval) {
        return new StoreOptions(jdbcUrl, chainId, signer, clock, queueCapacity, queueBytes, batchSize, appendTimeout,
                every, interval, witnessFiles, spillFile);
    }
}
