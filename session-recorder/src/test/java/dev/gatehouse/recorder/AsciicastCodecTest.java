package dev.gatehouse.recorder;

import dev.gatehouse.pki.testing.TestClock;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AsciicastCodecTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRICKY = "tab\there \"quoted\" back\\slash \u0000\u0007\u001b[31mred\u001b[0m 😀 𝄞\r\n";

    private final FakeAuditStore store = new FakeAuditStore();
    private final TestClock clock = new TestClock(START);

    private Recording start(String kind, boolean recordInput) {
        return SessionRecorder.create(store, new RecorderOptions(recordInput, 1 << 20, 1024, clock))
                .start(new RecordingInfo("s1", kind, kind.equals("exec") ? "uname -a" : null, "xterm", 100, 30, START,
                        "bob → root-less@node"));
    }

    private static List<JsonNode> lines(String cast) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : cast.split("\n")) {
            out.add(JSON.readTree(line)); // each line must be a JSON document of its own
        }
        return out;
    }

    private String export() throws Exception {
        StringBuilder sb = new StringBuilder();
        Asciicast.export(store.recording("s1"), sb);
        return sb.toString();
    }

    @Test
    void exportIsValidAsciicastV2AndRoundTripsTrickyText() throws Exception {
        Recording r = start("shell", true);
        r.output(TRICKY.getBytes(UTF_8), 0, TRICKY.getBytes(UTF_8).length);
        clock.advanceMillis(1234);
        r.input("q".getBytes(UTF_8), 0, 1);
        clock.advance(java.time.Duration.ofNanos(5_000));
        r.resize(90, 20);
        r.fileOperation(new FileOperation("upload", "/x", null, 1, null, "ok"));
        r.finish();

        String cast = export();
        assertThat(cast).endsWith("\n");
        List<JsonNode> lines = lines(cast);
        JsonNode header = lines.get(0);
        assertThat(header.get("version").asInt()).isEqualTo(2);
        assertThat(header.get("width").asInt()).isEqualTo(100);
        assertThat(header.get("height").asInt()).isEqualTo(30);
        assertThat(header.get("title").asText()).isEqualTo("bob → root-less@node");
        List<JsonNode> events = lines.subList(1, lines.size());
        double previous = 0;
        for (JsonNode e : events) {
            assertThat(e.isArray()).isTrue();
            assertThat(e.size()).isEqualTo(3);
            assertThat(e.get(0).isNumber()).isTrue();
            assertThat(e.get(1).isTextual()).isTrue();
            assertThat(e.get(2).isTextual()).isTrue();
            assertThat(e.get(0).asDouble()).isGreaterThanOrEqualTo(previous);
            previous = e.get(0).asDouble();
        }
        assertThat(events).extracting(e -> e.get(1).asText()).containsExactly("o", "i", "r");
        assertThat(events.get(0).get(2).asText()).isEqualTo(TRICKY);
        assertThat(events.get(1).get(0).decimalValue()).isEqualByComparingTo("1.234");
        assertThat(events.get(2).get(0).decimalValue()).isEqualByComparingTo("1.234005");
        assertThat(events.get(2).get(2).asText()).isEqualTo("90x20");
        assertThat(cast).doesNotContain("E-").contains("\\u0000").contains("\\u001B");
    }

    @Test
    void execStreamsExportAsOutputWithCarriageReturns() throws Exception {
        Recording r = start("exec", false);
        byte[] euro = "price: €\nline2\r\n".getBytes(UTF_8);
        r.output(euro, 0, 9); // splits the euro sign between two stored chunks
        clock.advanceMillis(100);
        r.output(euro, 9, euro.length - 9);
        r.error("oops\n".getBytes(UTF_8), 0, 5);
        r.finish();
        List<JsonNode> events = lines(export()).subList(1, 4);
        assertThat(events).extracting(e -> e.get(1).asText()).containsOnly("o");
        String all = events.stream().map(e -> e.get(2).asText()).reduce("", String::concat);
        assertThat(all).isEqualTo("price: €\r\nline2\r\noops\r\n");
    }

    @Test
    void aMissingHeaderIsSynthesised() throws Exception {
        List<RecordingChunk> chunks = List.of(RecordingChunk.of("s", "o", 10, "hi".getBytes(UTF_8)));
        StringBuilder sb = new StringBuilder();
        Asciicast.export(chunks, sb);
        List<JsonNode> lines = lines(sb.toString());
        assertThat(lines.get(0).get("version").asInt()).isEqualTo(2);
        assertThat(lines.get(0).get("width").asInt()).isEqualTo(80);
        assertThat(sb.toString().split("\n")[1]).isEqualTo("[0.000010,\"o\",\"hi\"]");
    }

    @Test
    void replayHonoursSpeedAndCapsLongPauses() throws Exception {
        List<RecordingChunk> chunks = List.of(
                RecordingChunk.of("s", "meta", 0, "{\"version\":2,\"width\":80,\"height\":24}".getBytes(UTF_8)),
                RecordingChunk.of("s", "o", 500_000, "a".getBytes(UTF_8)),
                RecordingChunk.of("s", "i", 600_000, "x".getBytes(UTF_8)),
                RecordingChunk.of("s", "o", 1_500_000, "b".getBytes(UTF_8)),
                RecordingChunk.of("s", "o", 61_500_000, "c😀".getBytes(UTF_8)));
        List<Long> sleeps = new ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Asciicast.replay(chunks, new PrintStream(bytes, true, UTF_8), 2.0, sleeps::add);
        assertThat(sleeps).containsExactly(250_000L, 500_000L, 1_000_000L);
        assertThat(bytes.toString(UTF_8)).isEqualTo("abc😀");
        assertThatThrownBy(() -> Asciicast.replay(chunks, new PrintStream(bytes), 0, sleeps::add))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("speed");
    }
}
