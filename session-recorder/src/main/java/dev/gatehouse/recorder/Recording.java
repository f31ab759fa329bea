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

    /** Flushes buffered data and closes the recording. Idempotent. */
    RecordingSummary finish();
}
