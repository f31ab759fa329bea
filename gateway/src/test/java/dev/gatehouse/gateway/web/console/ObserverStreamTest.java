package dev.gatehouse.gateway.web.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The observe stream's wire format on a fake clock: asciicast v2 lines as server-sent events, a
 * character split between two relay chunks arriving whole, and a client whose connection stops
 * draining being dropped once it is {@link ObserverStream#MAX_BEHIND} behind. Threat: an observer
 * sees garbled or forged terminal text, or a stalled one makes the gateway hold a session's output
 * without bound.
 */
class ObserverStreamTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-11-30T01:00:00Z"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<String> ended = new ArrayList<>();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void headerOutputResizeAndEndAreAsciicastLinesAsServerSentEvents() {
        ObserverStream s = new ObserverStream("alice -> aiops@gpu-node-1", clock, Runnable::run, timer, ended::add);
        Sink sink = new Sink();
        s.attach(sink);
        s.resize(80, 24);
        clock.advance(Duration.ofMillis(1500));
        byte[] e = "caf\u00e9 \"quoted\"\r\n".getBytes(StandardCharsets.UTF_8);
        s.output(e, 0, 4); // "caf" and the first byte of the é
        s.output(e, 4, e.length - 4);
        clock.advance(Duration.ofMillis(250));
        s.resize(100, 30);
        s.ended();

        assertThat(sink.text.toString()).isEqualTo(
                "event: header\ndata: {\"version\":2,\"width\":80,\"height\":24,\"timestamp\":" + clock.instant().minusMillis(1750).getEpochSecond()
                        + ",\"title\":\"alice -> aiops@gpu-node-1\"}\n\n"
                + "event: output\ndata: [1.500000,\"o\",\"caf\"]\n\n"
                + "event: output\ndata: [1.500000,\"o\",\"\u00e9 \\\"quoted\\\"\\r\\n\"]\n\n"
                + "event: resize\ndata: [1.750000,\"r\",\"100x30\"]\n\n"
                + "event: end\ndata: {\"reason\":\"the session ended\"}\n\n");
        assertThat(sink.closed).isTrue();
        assertThat(ended).containsExactly("the session ended");
    }

    @Test
    void aClientThatStopsDrainingIsDroppedOnceTooFarBehind() {
        ObserverStream s = new ObserverStream("t", clock, Runnable::run, timer, ended::add);
        Sink sink = new Sink();
        s.attach(sink);
        s.resize(80, 24);
        sink.writable = false;
        byte[] chunk = "y".repeat(32 * 1024).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 40; i++) { // 1.25 MiB
            s.output(chunk, 0, chunk.length);
        }
        assertThat(ended).containsExactly(ObserverStream.TOO_SLOW);
        sink.writable = true;
        s.output(chunk, 0, chunk.length); // nothing more is taken once dropped
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> sink.closed);
        assertThat(sink.text.toString()).startsWith("event: header\n")
                .endsWith("event: end\ndata: {\"reason\":\"" + ObserverStream.TOO_SLOW + "\"}\n\n")
                .doesNotContain("yyyy");
    }

    private static final class Sink implements ApiResponse.StreamSink {
        final StringBuffer text = new StringBuffer();
        volatile boolean writable = true;
        volatile boolean closed;

        @Override
        public boolean write(String t) {
            text.append(t);
            return true;
        }

        @Override
        public boolean writable() {
            return writable;
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public void onClose(Runnable r) {}
    }
}
