package dev.gatehouse.recorder;

import java.time.Instant;

/**
 * What the store's background writer holds at one moment, for operators' gauges.
 *
 * @param queued records waiting to be committed (events, chunks, checkpoint marks)
 * @param queueCapacity most records the queue holds before appends wait (backpressure)
 * @param bytesHeld bytes of recording data queued or in the batch being committed
 * @param bytesCapacity most recording bytes held before appends wait
 * @param lastCheckpoint when this chain's last checkpoint was signed (or the writer started, before its first)
 */
public record WriterState(int queued, int queueCapacity, long bytesHeld, long bytesCapacity, Instant lastCheckpoint) {}
