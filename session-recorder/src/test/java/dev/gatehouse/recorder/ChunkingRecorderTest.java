package dev.gatehouse.recorder;

import dev.gatehouse.pki.testing.TestClock;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ChunkingRecorderTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00.000001Z");
    private static final String MIXED = "héllo wörld € 𝄞 日本語 😀 end";

    private final FakeAuditStore store = new FakeAuditStore();
    private final TestClock clock = new TestClock(START);

    private Recording start(String kind, RecorderOptions options) {
        return SessionRecorder.create(store, options).start(
                new RecordingInfo("s1", kind, kind.equals("shell") ? null : "cat /var/log/x", "xterm-256color", 120, 40,
                        START, "alice → aiops@gpu-node-1"));
    }

    private Recording shell() {
        return start("shell", new RecorderOptions(false, 1 << 20, 256, clock));
    }

    private List<RecordingChunk> chunks(String stream) {
        return store.recording("s1").stream().filter(c -> c.stream().equals(stream)).collect(Collectors.toList());
    }

    private String text(String stream) {
        return chunks(stream).stream().map(c -> new String(c.data(), UTF_8)).collect(Collectors.joining());
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void startWritesAsciicastHeaderAsMetaChunk() throws Exception {
        shell().finish();
        RecordingChunk meta = store.recording("s1").get(0);
        assertThat(meta.stream()).isEqualTo("meta");
        JsonNode h = new ObjectMapper().readTree(meta.data());
        assertThat(h.get("version").asInt()).isEqualTo(2);
        assertThat(h.get("width").asInt()).isEqualTo(120);
        assertThat(h.get("height").asInt()).isEqualTo(40);
        assertThat(h.get("timestamp").asLong()).isEqualTo(START.getEpochSecond());
        assertThat(h.get("env").get("TERM").asText()).isEqualTo("xterm-256color");
        assertThat(h.get("title").asText()).isEqualTo("alice → aiops@gpu-node-1");
        assertThat(h.get("kind").asText()).isEqualTo("shell");
        assertThat(h.get("session").asText()).isEqualTo("s1");
    }

    @Test
    void utf8SplitAtEveryByteBoundaryReassemblesExactly() {
        byte[] bytes = MIXED.getBytes(UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            FakeAuditStore own = new FakeAuditStore();
            Recording r = SessionRecorder.create(own, new RecorderOptions(false, 1 << 20, 64, clock)).start(
                    new RecordingInfo("s" + cut, "shell", null, "xterm", 80, 24, START, null));
            r.output(bytes, 0, cut);
            clock.advanceMillis(60); // forces a time flush between the two halves
            r.output(bytes, cut, bytes.length - cut);
            r.finish();
            StringBuilder joined = new StringBuilder();
            for (RecordingChunk c : own.recording("s" + cut)) {
                if (c.stream().equals("o")) {
                    assertThat(Utf8.isValid(c.data(), 0, c.data().length)).as("chunk valid at cut %d", cut).isTrue();
                    joined.append(new String(c.data(), UTF_8));
                }
            }
            assertThat(joined.toString()).as("cut at %d", cut).isEqualTo(MIXED);
        }
    }

    @Test
    void utf8FedOneByteAtATimeAcrossFullBuffersNeverSplitsCharacters() {
        Recording r = start("shell", new RecorderOptions(false, 1 << 20, 64, clock));
        byte[] bytes = MIXED.repeat(20).getBytes(UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            r.output(bytes, i, 1);
        }
        r.finish();
        assertThat(chunks("o")).hasSizeGreaterThan(5)
                .allSatisfy(c -> assertThat(Utf8.isValid(c.data(), 0, c.data().length)).isTrue());
        assertThat(text("o")).isEqualTo(MIXED.repeat(20));
    }

    @Test
    void invalidBytesAreReplacedNotFatal() {
        Recording r = shell();
        byte[] bad = {'a', (byte) 0xFF, 'b', (byte) 0xC0, (byte) 0xAF, 'c', (byte) 0xED, (byte) 0xA0, (byte) 0x80, 'd'};
        r.output(bad, 0, bad.length);
        r.output(new byte[] {(byte) 0xE2, (byte) 0x82}, 0, 2); // cut off by the end of the session
        RecordingSummary s = r.finish();
        String text = text("o");
        assertThat(text).startsWith("a\uFFFDb").contains("c").contains("d").endsWith("\uFFFD");
        assertThat(text.replace("\uFFFD", "")).isEqualTo("abcd");
        assertThat(s.outputBytes()).isEqualTo(bad.length + 2);
    }

    @Test
    void coalescesSmallWritesUntilChunkBytes() {
        Recording r = shell(); // chunkBytes 256
        byte[] b = "x".repeat(100).getBytes(UTF_8);
        for (int i = 0; i < 6; i++) {
            r.output(b, 0, b.length);
        }
        assertThat(chunks("o")).hasSize(2).allSatisfy(c -> assertThat(c.data()).hasSize(256));
        r.finish();
        assertThat(chunks("o")).hasSize(3);
        assertThat(chunks("o").get(2).data()).hasSize(600 - 512);
    }

    /**
     * A flood hands full buffers to the store without copying them. Threat: a recorder that kept
     * writing into an array it had handed over would rewrite stored history (and break the
     * chunk's hash) without any error.
     */
    @Test
    void handedOverBuffersAreNeverWrittenAgain() {
        Recording r = shell(); // chunkBytes 256
        byte[] flood = new byte[256 * 5 + 100];
        for (int i = 0; i < flood.length; i++) {
            flood[i] = (byte) ('a' + i % 26);
        }
        for (int off = 0; off < flood.length; off += 100) {
            r.output(flood, off, Math.min(100, flood.length - off));
        }
        List<RecordingChunk> full = chunks("o");
        assertThat(full).hasSize(5);
        r.output("tail".getBytes(UTF_8), 0, 4);
        r.finish();
        for (int k = 0; k < full.size(); k++) {
            assertThat(full.get(k).data()).as("chunk %d", k)
                    .isEqualTo(java.util.Arrays.copyOfRange(flood, k * 256, (k + 1) * 256));
        }
        assertThat(store.chainIntact("s1")).isTrue();
        assertThat(text("o")).isEqualTo(new String(flood, UTF_8) + "tail");
    }

    @Test
    void aStreamSwitchEmitsTheBufferedChunk() {
        Recording r = start("shell", new RecorderOptions(true, 1 << 20, 256, clock));
        r.output("prompt$ ".getBytes(UTF_8), 0, 8);
        clock.advanceMillis(10);
        r.input("l".getBytes(UTF_8), 0, 1);
        r.input("s".getBytes(UTF_8), 0, 1);
        clock.advanceMillis(10);
        r.resize(100, 30);
        r.output("out".getBytes(UTF_8), 0, 3);
        r.finish();
        List<RecordingChunk> all = store.recording("s1");
        assertThat(all).extracting(RecordingChunk::stream).containsExactly("meta", "o", "i", "r", "o");
        assertThat(new String(all.get(2).data(), UTF_8)).isEqualTo("ls");
        assertThat(new String(all.get(3).data(), UTF_8)).isEqualTo("100x30");
        assertThat(all.get(1).offsetMicros()).isEqualTo(0);
        assertThat(all.get(2).offsetMicros()).isEqualTo(10_000);
        assertThat(all.get(3).offsetMicros()).isEqualTo(20_000);
    }

    @Test
    void fiftyMillisecondsOfSessionTimeEmitTheBufferedChunk() {
        Recording r = shell();
        r.output("a".getBytes(UTF_8), 0, 1);
        clock.advanceMillis(49);
        r.output("b".getBytes(UTF_8), 0, 1);
        clock.advanceMillis(1);
        r.output("c".getBytes(UTF_8), 0, 1); // 50 ms after the buffer began
        clock.advanceMillis(70);
        r.output("d".getBytes(UTF_8), 0, 1);
        r.finish();
        assertThat(chunks("o")).extracting(c -> new String(c.data(), UTF_8)).containsExactly("ab", "c", "d");
        assertThat(chunks("o")).extracting(RecordingChunk::offsetMicros).containsExactly(0L, 50_000L, 120_000L);
    }

    @Test
    void inputIsStoredOnlyWhenRecordInputIsOn() {
        Recording off = shell();
        off.input("secret".getBytes(UTF_8), 0, 6);
        assertThat(off.finish().inputBytes()).isEqualTo(6);
        assertThat(chunks("i")).isEmpty();

        FakeAuditStore other = new FakeAuditStore();
        Recording on = SessionRecorder.create(other, new RecorderOptions(true, 1 << 20, 256, clock))
                .start(new RecordingInfo("s2", "shell", null, null, 0, 0, START, null));
        on.input("ls\r".getBytes(UTF_8), 0, 3);
        on.finish();
        assertThat(other.recording("s2")).filteredOn(c -> c.stream().equals("i"))
                .extracting(c -> new String(c.data(), UTF_8)).containsExactly("ls\r");
    }

    @Test
    void execStreamsAreCappedWhileHashAndCountCoverEverything() throws Exception {
        Recording r = start("exec", new RecorderOptions(false, 1000, 256, clock));
        byte[] out = new byte[5000];
        new Random(7).nextBytes(out);
        byte[] err = "warning: disk almost full\n".getBytes(UTF_8);
        ByteArrayOutputStream fed = new ByteArrayOutputStream();
        Random sizes = new Random(11);
        boolean errorWritten = false;
        for (int i = 0; i < out.length; ) {
            int n = Math.min(out.length - i, 1 + sizes.nextInt(700));
            r.output(out, i, n);
            fed.write(out, i, n);
            i += n;
            if (i > 2000 && !errorWritten) {
                r.error(err, 0, err.length);
                errorWritten = true;
            }
        }
        RecordingSummary s = r.finish();
        assertThat(s.outputBytes()).isEqualTo(5000);
        assertThat(s.outputSha256()).isEqualTo(sha256(out));
        assertThat(s.errorBytes()).isEqualTo(err.length);
        assertThat(s.errorSha256()).isEqualTo(sha256(err));
        assertThat(s.truncated()).isTrue();
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        for (RecordingChunk c : chunks("stdout")) {
            stored.write(c.data());
        }
        assertThat(stored.toByteArray()).isEqualTo(Arrays.copyOf(out, 1000));
        assertThat(text("stderr")).isEqualTo("warning: disk almost full\n");
        assertThat(chunks("o")).isEmpty();
    }

    @Test
    void execUnderTheCapIsNotTruncated() throws Exception {
        Recording r = start("exec", new RecorderOptions(false, 1000, 256, clock));
        byte[] out = "0123456789".repeat(100).getBytes(UTF_8);
        r.output(out, 0, out.length);
        RecordingSummary s = r.finish();
        assertThat(s.truncated()).isFalse();
        assertThat(s.outputSha256()).isEqualTo(sha256(out));
        assertThat(chunks("stdout")).hasSize(4);
    }

    @Test
    void sftpSessionsStoreOnlyFileOperationsAndDigests() throws Exception {
        Recording r = start("sftp", new RecorderOptions(true, 1 << 20, 256, clock));
        byte[] stream = "SFTP packets".getBytes(UTF_8);
        r.output(stream, 0, stream.length);
        r.input(stream, 0, 4);
        r.fileOperation(new FileOperation("upload", "/tmp/a \"b\".txt", null, 12, "ab".repeat(32), "ok"));
        RecordingSummary s = r.finish();
        assertThat(store.recording("s1")).extracting(RecordingChunk::stream).containsExactly("meta", "file");
        JsonNode op = new ObjectMapper().readTree(chunks("file").get(0).data());
        assertThat(op.get("op").asText()).isEqualTo("upload");
        assertThat(op.get("path").asText()).isEqualTo("/tmp/a \"b\".txt");
        assertThat(op.get("bytes").asLong()).isEqualTo(12);
        assertThat(s.fileOperations()).isEqualTo(1);
        assertThat(s.outputSha256()).isEqualTo(sha256(stream));
        assertThat(s.inputBytes()).isEqualTo(4);
    }

    @Test
    void finishIsIdempotentAndReturnsTheLastChunkHash() {
        Recording r = shell();
        r.output("bye\r\n".getBytes(UTF_8), 0, 5);
        RecordingSummary first = r.finish();
        RecordingSummary second = r.finish();
        r.output("late".getBytes(UTF_8), 0, 4); // ignored after finish
        assertThat(second).isEqualTo(first);
        assertThat(first.finalHash()).isEqualTo(store.recordingHead("s1").orElseThrow());
        assertThat(first.chunks()).isEqualTo(store.recording("s1").size()).isEqualTo(2);
        assertThat(store.recording("s1")).hasSize(2);
        assertThat(store.chainIntact("s1")).isTrue();
    }

    @Test
    void offsetsNeverGoBackwardsWhenTheWallClockDoes() {
        Recording r = shell();
        clock.advanceMillis(100);
        r.output("a".getBytes(UTF_8), 0, 1);
        clock.advanceMillis(-80);
        r.resize(10, 10);
        r.finish();
        assertThat(store.recording("s1")).extracting(RecordingChunk::offsetMicros).isSorted();
    }

    @Test
    void concurrentOutputAndInputLoseNothing() throws Exception {
        Recording r = start("shell", new RecorderOptions(true, 1 << 20, 128, clock));
        byte[] o = "o".getBytes(UTF_8);
        byte[] i = "i".getBytes(UTF_8);
        Thread t = new Thread(() -> {
            for (int k = 0; k < 20_000; k++) {
                r.input(i, 0, 1);
            }
        });
        t.start();
        for (int k = 0; k < 20_000; k++) {
            r.output(o, 0, 1);
        }
        t.join();
        RecordingSummary s = r.finish();
        assertThat(text("o")).hasSize(20_000);
        assertThat(text("i")).hasSize(20_000);
        assertThat(s.inputBytes()).isEqualTo(20_000);
        assertThat(store.chainIntact("s1")).isTrue();
    }

    @Test
    void badOptionsAndInfoAreRefusedWithAnExplanation() {
        assertThatThrownBy(() -> SessionRecorder.create(store, new RecorderOptions(false, 10, 8, clock)))
                .hasMessageContaining("chunkBytes was 8");
        assertThatThrownBy(() -> SessionRecorder.create(store, RecorderOptions.defaults(clock))
                .start(new RecordingInfo("s9", "tunnel", null, null, 0, 0, START, null)))
                .hasMessageContaining("kind was tunnel");
    }
}
