package dev.gatehouse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The benchmark origin's routes, driven over its real pipeline in an EmbeddedChannel. */
class WebOriginTest {

    /** What a client sees of one response: the head and the body bytes, chunk by chunk. */
    record Reply(HttpResponse head, List<Integer> chunks, String body, boolean ended) {
        long bytes() {
            return chunks.stream().mapToLong(Integer::longValue).sum();
        }
    }

    private final EmbeddedChannel server = new EmbeddedChannel();
    private final EmbeddedChannel client = new EmbeddedChannel(new HttpClientCodec());

    WebOriginTest() {
        WebOrigin.configure(server.pipeline());
    }

    private Reply get(String uri) {
        var req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        req.headers().set(HttpHeaderNames.HOST, "origin");
        client.writeOutbound(req);
        for (Object o; (o = client.readOutbound()) != null; ) {
            server.writeInbound(o);
        }
        return pump();
    }

    /** Moves what the server wrote into the client until nothing more comes. */
    private Reply pump() {
        HttpResponse head = null;
        List<Integer> chunks = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        boolean ended = false;
        for (int idle = 0; idle < 3; ) {
            server.runPendingTasks();
            server.flushOutbound();
            Object o = server.readOutbound();
            if (o == null) {
                idle++;
                continue;
            }
            idle = 0;
            client.writeInbound(o);
            for (Object m; (m = client.readInbound()) != null; ) {
                if (m instanceof HttpResponse r) {
                    head = r;
                }
                if (m instanceof HttpContent c) {
                    ByteBuf b = c.content();
                    if (b.isReadable()) {
                        chunks.add(b.readableBytes());
                        if (body.length() < 4096) {
                            body.append(b.toString(StandardCharsets.UTF_8));
                        }
                    }
                    ended |= m instanceof LastHttpContent;
                    c.release();
                }
            }
        }
        return new Reply(head, chunks, body.toString(), ended);
    }

    @Test
    void oneKServesExactly1024BytesWithKeepAlive() {
        Reply r = get("/1k");
        assertThat(r.head().status().code()).isEqualTo(200);
        assertThat(r.bytes()).isEqualTo(1024);
        assertThat(r.ended()).isTrue();
        assertThat(server.isOpen()).isTrue();
        // and the same connection serves the next request
        assertThat(get("/1k").bytes()).isEqualTo(1024);
    }

    @Test
    void bytesStreamsExactlyNBytesInChunksOfAtMost64KiB() {
        Reply r = get("/bytes?n=200001");
        assertThat(r.head().status().code()).isEqualTo(200);
        assertThat(r.head().headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
        assertThat(r.bytes()).isEqualTo(200_001);
        assertThat(r.chunks()).hasSizeGreaterThan(1).allMatch(n -> n <= 65536);
        assertThat(r.ended()).isTrue();
    }

    @Test
    void badParametersAre400sNamingTheParameterAndTheConnectionStaysUsable() {
        assertThat(get("/bytes?n=-1").body()).contains("query parameter n must be in 0..");
        assertThat(get("/bytes?n=lots").body()).contains("query parameter n is not a decimal number");
        Reply missing = get("/sse?n=3");
        assertThat(missing.head().status().code()).isEqualTo(400);
        assertThat(missing.body()).contains("gap_ms is required");
        assertThat(get("/1k").bytes()).isEqualTo(1024);
    }

    @Test
    void unknownPathsAre404() {
        Reply r = get("/admin");
        assertThat(r.head().status().code()).isEqualTo(404);
        assertThat(r.body()).contains("/1k");
    }

    @Test
    void sseSendsNTimestampedEventsEachFlushedAloneThenEnds() {
        long before = SseProbe.nowMicros();
        var req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/sse?n=3&gap_ms=5");
        req.headers().set(HttpHeaderNames.HOST, "origin");
        client.writeOutbound(req);
        server.writeInbound((Object) client.readOutbound());
        server.advanceTimeBy(20, TimeUnit.MILLISECONDS);
        Reply r = pump();
        assertThat(r.head().headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/event-stream");
        assertThat(r.chunks()).hasSize(3);
        assertThat(r.ended()).isTrue();
        for (String event : r.body().split("\n\n")) {
            assertThat(event).startsWith("data: ");
            long micros = Long.parseLong(event.substring(6));
            assertThat(micros).isBetween(before, SseProbe.nowMicros());
        }
    }

    @Test
    void eventDataIsTheWallClockInMicroseconds() {
        assertThat(OriginHandler.event(Instant.ofEpochSecond(1_700_000_000L, 123_456_789)))
                .isEqualTo("data: 1700000000123456\n\n");
    }

    @Test
    void percentileIsNearestRank() {
        long[] v = new long[100];
        for (int i = 0; i < 100; i++) {
            v[i] = i + 1;
        }
        assertThat(SseProbe.percentile(v, 50)).isEqualTo(50);
        assertThat(SseProbe.percentile(v, 99)).isEqualTo(99);
        assertThat(SseProbe.percentile(new long[] {7}, 99)).isEqualTo(7);
        assertThat(SseProbe.percentile(new long[0], 99)).isZero();
    }
}
