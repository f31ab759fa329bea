package dev.gatehouse.recorder;

/** What the append path hands to the background writer, already sequenced and hashed. */
sealed interface WriteItem {

    /** Position in the queue (1, 2, ...): {@code flush()} waits until the writer committed its ticket. */
    long ticket();

    /**
     * An audit event row, values exactly as they will be stored.
     *
     * @param binds for an event that binds access-chain links ({@link AccessBindings}), the last
     *     link it binds: once committed, this chain's checkpoints may sign it as their access head
     */
    record EventRow(long ticket, String chainId, long seq, long timeMicros, AuditEvent event, String detailsJson,
            String prevHash, String hash, AccessChain.Head binds) implements WriteItem {}

    /** A recording chunk row. */
    record ChunkRow(long ticket, RecordingChunk chunk) implements WriteItem {}

    /** Asks the writer for a checkpoint of the chain head as of this point in the queue. */
    record CheckpointMark(long ticket) implements WriteItem {}
}
