package dev.gatehouse.gateway.web.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gatehouse.gateway.session.TerminalObserver;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One observer's server-sent event stream (WHATWG HTML section 9.2) of a live terminal: first
 * {@code event: header} with an asciicast v2 header (width, height, timestamp, title), then
 * {@code event: output} whose data is an asciicast v2 event line {@code [seconds, "o", text]}
 * (seconds since observing began, microsecond precision), {@code event: resize} with
 * {@code [seconds, "r", "COLSxROWS"]} on a window change, and {@code event: end} with
 * {@code {"reason": TEXT}} last.
 *
 * <p>The relay never waits for an observer: the session's threads only copy the chunk into this
 * observer's queue; a task on {@code executor} decodes, encodes and writes it to the client. At
 * most {@link #MAX_BEHIND} bytes (of output, or characters of other events) may wait; an observer further behind (a stalled or slow client) is dropped, with an {@code end}
 * event saying so. However the stream ends from the gateway's side (the session ended, the observer
 * was dropped or stopped), {@code onEnded} is told why, once, off the relay's thread.
 */
final class ObserverStream implements TerminalObserver {
    /** Bytes of output (characters of other events) an observer may fall behind before it is dropped. */
    static final int MAX_BEHIND = dev.gatehouse.gateway.access.LiveSessions.OBSERVER_MAX_BEHIND;
    /** How soon a stream waiting for the client's connection to drain looks again. */
    static final Duration WRITABLE_POLL = Duration.ofMillis(20);
    static final String TOO_SLOW = dev.gatehouse.gateway.access.LiveSessions.OBSERVER_TOO_SLOW;

    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

    private final String title;
    private final Clock clock;
    private final Instant start;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    private final Consumer<String> onEnded;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Up to 3 bytes of a character split between chunks, then room for the next chunk. */
    private ByteBuffer pendingBytes = ByteBuffer.allocate(0);

    /** Guards everything below. */
    private final Object lock = new Object();
    /** Formatted events ({@code String}) and output not yet decoded ({@link Chunk}), in order. */
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private long behind;
    private boolean headerSent;
    /** No event is taken any more: the end is queued. */
    private boolean finished;
    private boolean draining;
    /** Why the gateway ended the stream (session ended, too slow, stopped), or null while it has not. */
    private String endReason;
    private ApiResponse.StreamSink sink;

    /**
     * @param title the header's {@code title} (who is on which node)
     * @param executor where the stream is written to the client
     * @param timer waits for the client's connection to drain
     * @param onEnded told why, once, when the stream ends from the gateway's side
     */
    ObserverStream(String title, Clock clock, Executor executor, ScheduledExecutorService timer, Consumer<String> onEnded) {
        this.title = title;
        this.clock = clock;
        this.start = clock.instant();
        this.executor = executor;
        this.timer = timer;
        this.onEnded = onEnded;
    }

    /** The client is connected: write what is queued and what follows to {@code to}. */
    void attach(ApiResponse.StreamSink to) {
        synchronized (lock) {
            sink = to;
        }
        drainLater();
    }

    @Override
    public void resize(int cols, int rows) {
        boolean header;
        synchronized (lock) {
            header = !headerSent;
            headerSent = true;
        }
        if (header) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("version", 2);
            h.put("width", cols);
            h.put("height", rows);
            h.put("timestamp", start.getEpochSecond());
            h.put("title", title);
            offer("header", json(h));
        } else {
            offer("resize", json(List.of(seconds(), "r", cols + "x" + rows)));
        }
    }

    /** Output as the relay saw it, when: decoded and encoded later, by the writer. */
    private record Chunk(BigDecimal at, byte[] data) {}

    @Override
    public void output(byte[] data, int offset, int length) {
        if (length > 0) {
            offer(new Chunk(seconds(), java.util.Arrays.copyOfRange(data, offset, offset + length)));
        }
    }

    @Override
    public void ended() {
        finish("the session ended");
    }

    @Override
    public void stopped(String reason) {
        finish(reason);
    }

    /** Queues {@code event: end} with {@code reason}; the stream closes once it is written. */
    void finish(String reason) {
        synchronized (lock) {
            if (finished) {
                return;
            }
            finished = true;
            endReason = reason;
            enqueue("end", json(Map.of("reason", reason)));
        }
        executor.execute(() -> onEnded.accept(reason));
        drainLater();
    }

    /** Why the gateway ended the stream, or null when it has not (the client may still leave first). */
    String endReason() {
        synchronized (lock) {
            return endReason;
        }
    }

    /** Decodes a chunk, keeping a character's bytes that continue in the next chunk (the writer's thread only). */
    private String decode(byte[] data, int offset, int length) {
        ByteBuffer in = ByteBuffer.allocate(pendingBytes.remaining() + length);
        in.put(pendingBytes).put(data, offset, length).flip();
        CharBuffer out = CharBuffer.allocate((int) (in.remaining() * (double) utf8.maxCharsPerByte()) + 1);
        utf8.decode(in, out, false);
        pendingBytes = in.slice();
        return out.flip().toString();
    }

    private BigDecimal seconds() {
        long micros = Duration.between(start, clock.instant()).toNanos() / 1000;
        return BigDecimal.valueOf(Math.max(0, micros), 6);
    }

    private void offer(String event, String data) {
        offer(frame(event, data));
    }

    private static int size(Object item) {
        return item instanceof Chunk c ? c.data().length : ((String) item).length();
    }

    private void offer(Object e) {
        boolean dropped;
        synchronized (lock) {
            if (finished) {
                return;
            }
            dropped = behind + size(e) > MAX_BEHIND;
            if (dropped) {
                // what is queued is stale anyway: the end goes out next, alone
                queue.clear();
                behind = 0;
                finished = true;
                endReason = TOO_SLOW;
                enqueue("end", json(Map.of("reason", TOO_SLOW)));
            } else {
                queue.add(e);
                behind += size(e);
            }
        }
        if (dropped) {
            executor.execute(() -> onEnded.accept(TOO_SLOW));
        }
        drainLater();
    }

    private void enqueue(String event, String data) {
        String e = frame(event, data);
        queue.add(e);
        behind += e.length();
    }

    private static String frame(String event, String data) {
        return "event: " + event + "\ndata: " + data + "\n\n";
    }

    private void drainLater() {
        synchronized (lock) {
            if (draining || sink == null || queue.isEmpty()) {
                return;
            }
            draining = true;
        }
        executor.execute(this::drain);
    }

    /** Writes queued events while the client's connection takes them; closes the stream after the end. */
    private void drain() {
        while (true) {
            ApiResponse.StreamSink to;
            Object item;
            boolean last;
            synchronized (lock) {
                to = sink;
                if (!to.writable()) {
                    timer.schedule(() -> executor.execute(this::drain), WRITABLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                }
                item = queue.poll();
                if (item == null) {
                    draining = false;
                    return;
                }
                behind -= size(item);
                last = finished && queue.isEmpty() && item instanceof String t && t.startsWith("event: end\n");
            }
            String next;
            if (item instanceof Chunk c) {
                String text = decode(c.data(), 0, c.data().length);
                if (text.isEmpty()) {
                    continue;
                }
                next = frame("output", json(List.of(c.at(), "o", text)));
            } else {
                next = (String) item;
            }
            boolean open = to.write(next);
            if (last || !open) {
                to.close();
                synchronized (lock) {
                    finished = true;
                    queue.clear();
                    draining = false;
                }
                return;
            }
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode an observe event", e);
        }
    }
}
