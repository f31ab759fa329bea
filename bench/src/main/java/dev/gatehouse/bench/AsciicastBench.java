package dev.gatehouse.bench;

import dev.gatehouse.recorder.Asciicast;
import dev.gatehouse.recorder.RecordingChunk;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** asciicast v2 encoding of stored chunks (audit export and replay): one 16 KiB output chunk per op. */
@State(Scope.Benchmark)
public class AsciicastBench {
    static final int CHUNKS = 256;
    static final int CHUNK_BYTES = 16 * 1024;

    private List<RecordingChunk> chunks;

    @Setup
    public void setUp() {
        byte[] random = new byte[CHUNK_BYTES * 3 / 4];
        new Random(1).nextBytes(random);
        byte[] text = Base64.getEncoder().encode(random);
        chunks = new ArrayList<>();
        chunks.add(RecordingChunk.of("s-export", "meta", 0,
                "{\"version\":2,\"width\":80,\"height\":24}".getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < CHUNKS; i++) {
            chunks.add(RecordingChunk.of("s-export", "o", i * 1000L, text));
        }
    }

    @Benchmark
    @OperationsPerInvocation(CHUNKS)
    public long export() throws IOException {
        CountingWriter w = new CountingWriter();
        Asciicast.export(chunks, w);
        return w.count;
    }

    /** Counts characters and drops them. */
    static final class CountingWriter extends Writer {
        long count;

        @Override
        public void write(char[] cbuf, int off, int len) {
            count += len;
        }

        @Override
        public Writer append(CharSequence csq) {
            count += csq.length();
            return this;
        }

        @Override
        public void write(String str, int off, int len) {
            count += len;
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
