package dev.gatehouse.recorder;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.List;

/** asciicast v2 export and terminal replay of stored recordings. */
public final class Asciicast {
    private Asciicast() {}

    /** Writes the recording as asciicast v2 (header line, then one event array per line). */
    public static void export(List<RecordingChunk> chunks, Appendable out) throws IOException {
        AsciicastCodec.export(chunks, out);
    }

    /**
     * Plays terminal output to {@code out} in real time divided by {@code speed}. Callers verify
     * the recording first.
     *
     * @param sleeper how to wait (tests pass a fake)
     */
    public static void replay(List<RecordingChunk> chunks, PrintStream out, double speed, Sleeper sleeper)
            throws InterruptedException {
        AsciicastCodec.replay(chunks, out, speed, sleeper);
    }

    /**
     * The replay of {@link #replay} as steps, for callers that wait without holding a thread (the
     * gateway shell schedules each step on a timer). Pauses are divided by {@code speed} and, like
     * asciinema's idle limit, at most 2 s of recorded time each. Callers verify the recording first.
     *
     * @throws IllegalArgumentException when {@code speed} is not positive
     */
    public static Iterator<Frame> frames(List<RecordingChunk> chunks, double speed) {
        return AsciicastCodec.frames(chunks, speed);
    }

    /**
     * One step of a replay.
     *
     * @param pauseMicros how long to wait before writing, in microseconds
     * @param bytes terminal output to write, UTF-8
     */
    public record Frame(long pauseMicros, byte[] bytes) {}

    /** Waits between frames. */
    @FunctionalInterface
    public interface Sleeper {
        void sleepMicros(long micros) throws InterruptedException;
    }
}
