package dev.gatehouse.recorder;

import java.time.Clock;

/**
 * @param recordInput also record terminal input (keystrokes; may contain typed secrets)
 * @param streamCapBytes bulk streams (exec stdout/stderr) are stored up to this many bytes each;
 *     their SHA-256 and byte count always cover the whole stream
 * @param chunkBytes buffered bytes that trigger a chunk append
 * @param clock time source for event offsets
 */
public record RecorderOptions(boolean recordInput, long streamCapBytes, int chunkBytes, Clock clock) {
    public static RecorderOptions defaults(Clock clock) {
        return new RecorderOptions(false, 1L << 20, 64 * 1024, clock);
    }
}
