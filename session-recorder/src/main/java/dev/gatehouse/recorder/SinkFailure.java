package dev.gatehouse.recorder;

import java.util.function.Consumer;

/**
 * A failure of the observers' sink (e.g. the store refusing a write), carried out of the
 * parser so it reaches the caller instead of looking like unparseable input.
 */
final class SinkFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SinkFailure(RuntimeException cause) {
        super(cause);
    }

    /** Hands {@code op} to {@code sink}, wrapping the sink's own failure. */
    static void deliver(Consumer<FileOperation> sink, FileOperation op) {
        try {
            sink.accept(op);
        } catch (RuntimeException e) {
            throw new SinkFailure(e);
        }
    }
}
