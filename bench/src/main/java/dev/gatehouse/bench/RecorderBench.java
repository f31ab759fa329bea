package dev.gatehouse.bench;

import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.RecorderOptions;
import dev.gatehouse.recorder.Recording;
import dev.gatehouse.recorder.RecordingInfo;
import dev.gatehouse.recorder.SessionRecorder;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The recorder's share of interactive output: {@code output} feeds 4 KiB of terminal text per op
 * (the bridge's tap) into a shell recording, which hashes, buffers and appends 64 KiB chunks to
 * the store ({@code memory}: an in-memory fake, so only the recorder's own work; {@code sqlite}:
 * the real store with group commit). Multiply ops/s by 4 KiB for bytes/s.
 */
@State(Scope.Benchmark)
public class RecorderBench {
    static final int OUTPUT_BYTES = 4096;

    @Param({"memory", "sqlite"})
    public String store;

    private AutoCloseable closer;
    private Recording recording;
    private byte[] text;
    private int session;
    private SessionRecorder recorder;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        AuditStore s;
        if (store.equals("memory")) {
            s = new MemoryStore();
            closer = s;
        } else {
            BenchStores.Handle h = BenchStores.open(store);
            s = h.store();
            closer = h;
        }
        recorder = SessionRecorder.create(s, RecorderOptions.defaults(Clock.systemUTC()));
        byte[] random = new byte[OUTPUT_BYTES * 3 / 4];
        new Random(1).nextBytes(random);
        text = Base64.getEncoder().encode(random); // what `head -c N /dev/urandom | base64` prints
    }

    @Setup(Level.Iteration)
    public void newSession() {
        recording = recorder.start(new RecordingInfo("s-bench-" + (session++), "shell", null, "xterm-256color",
                200, 50, Instant.now(), "alice -> aiops@gpu-node-1"));
    }

    @TearDown(Level.Iteration)
    public void endSession() {
        recording.finish();
    }

    @Benchmark
    public void recordOutput() {
        recording.output(text, 0, text.length);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        closer.close();
    }
}
