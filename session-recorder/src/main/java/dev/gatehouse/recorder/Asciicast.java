package dev.gatehouse.recorder;

import java.io.IOException;
import java.io.PrintStream;
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

    /** Waits between frames. */
    @FunctionalInterface
    public interface Sleeper {
        void sleepMicros(long micros) throws InterruptedException;
    }
}
