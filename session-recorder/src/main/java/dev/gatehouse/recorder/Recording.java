package dev.gatehouse.recorder;

/**
 * One live session's recording. Called from I/O threads: methods are cheap (hash update, bounded
 * buffer) and never block except when the store applies backpressure. Not thread-safe per
 * direction; callers serialise calls for the same stream (the bridge does).
 */
public interface Recording {

    /** Terminal output (asciicast {@code o}) or exec stdout. */
    void output(byte[] data, int offset, int length);

    /** Exec stderr. */
    void error(byte[] data, int offset, int length);

    /** Client-to-node bytes (terminal input, exec stdin). Hashed and counted always; stored for shells when recordInput is on. */
    void input(byte[] data, int offset, int length);

    /** Terminal resize (asciicast {@code r}). */
    void resize(int cols, int rows);

    void fileOperation(FileOperation operation);

    /**
     * Stores buffered data that has waited at least the coalescing interval; cheap when nothing
     * waits. The gateway calls it periodically so the last output of a quiet session reaches the
     * store, which bounds what a crash can lose.
     */
    void flushIdle();

    /** Flushes buffered data and closes the recording. Idempotent. */
    RecordingSummary finish();
}
