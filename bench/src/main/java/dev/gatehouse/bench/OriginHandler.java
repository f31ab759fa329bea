package dev.gatehouse.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedInput;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The origin's HTTP routes ({@link WebOrigin} lists them); one instance per connection. */
final class OriginHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final int ONE_K = 1024;
    static final int CHUNK = 64 * 1024;
    static final long MAX_BYTES = 1L << 40;
    static final int MAX_EVENTS = 1_000_000;
    static final int MAX_GAP_MS = 60_000;

    /** Shared, read-only payloads: every response is a retained slice of these. */
    private static final ByteBuf ONE_K_BODY = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(pattern(ONE_K)).asReadOnly());
    private static final ByteBuf CHUNK_BODY = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(pattern(CHUNK)).asReadOnly());

    private ScheduledFuture<?> sse;

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.method().equals(HttpMethod.GET)) {
            plain(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n", keepAlive);
            return;
        }
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        try {
            switch (q.path()) {
                case "/1k" -> oneK(ctx, keepAlive);
                case "/bytes" -> bytes(ctx, param(q.parameters(), "n", 0, MAX_BYTES), keepAlive);
                case "/sse" -> sse(ctx, (int) param(q.parameters(), "n", 1, MAX_EVENTS),
                        (int) param(q.parameters(), "gap_ms", 0, MAX_GAP_MS), keepAlive);
                default -> plain(ctx, HttpResponseStatus.NOT_FOUND,
                        "not found: the origin serves /1k, /bytes?n=N, /sse?n=N&gap_ms=G and /ws\n", keepAlive);
            }
        } catch (IllegalArgumentException e) {
            plain(ctx, HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n", keepAlive);
        }
    }

    private static void oneK(ChannelHandlerContext ctx, boolean keepAlive) {
        FullHttpResponse res = new DefaultFullHttpResponse(req11(), HttpResponseStatus.OK, ONE_K_BODY.retainedDuplicate());
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, ONE_K);
        HttpUtil.setKeepAlive(res, keepAlive);
        ctx.writeAndFlush(res);
    }

    private static void bytes(ChannelHandlerContext ctx, long n, boolean keepAlive) {
        HttpResponse res = new DefaultHttpResponse(req11(), HttpResponseStatus.OK);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        HttpUtil.setTransferEncodingChunked(res, true);
        HttpUtil.setKeepAlive(res, keepAlive);
        ctx.write(res);
        // ChunkedWriteHandler pulls the next slice only while the channel is writable
        ctx.writeAndFlush(new HttpChunkedInput(new RepeatedBytes(n)));
    }

    private void sse(ChannelHandlerContext ctx, int n, int gapMs, boolean keepAlive) {
        HttpResponse res = new DefaultHttpResponse(req11(), HttpResponseStatus.OK);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        HttpUtil.setTransferEncodingChunked(res, true);
        HttpUtil.setKeepAlive(res, keepAlive);
        ctx.writeAndFlush(res);
        int[] sent = {0};
        sse = ctx.executor().scheduleAtFixedRate(() -> {
            if (!ctx.channel().isActive()) {
                sse.cancel(false);
                return;
            }
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(event(Instant.now()), StandardCharsets.US_ASCII)));
            if (++sent[0] == n) {
                sse.cancel(false);
                var f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                if (!keepAlive) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
            }
        }, gapMs, Math.max(gapMs, 1), TimeUnit.MILLISECONDS);
    }

    /** One event: {@code data: MICROS\n\n}, MICROS the wall clock in microseconds since the Unix epoch. */
    static String event(Instant now) {
        return "data: " + (now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000) + "\n\n";
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (sse != null) {
            sse.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private static void plain(ChannelHandlerContext ctx, HttpResponseStatus status, String text, boolean keepAlive) {
        FullHttpResponse res = new DefaultFullHttpResponse(req11(), status,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
        HttpUtil.setKeepAlive(res, keepAlive);
        ctx.writeAndFlush(res);
    }

    /**
     * The one value of query parameter {@code name} as a decimal in [{@code min}, {@code max}].
     *
     * @throws IllegalArgumentException naming the parameter when it is missing, repeated, not a
     *     number or out of range
     */
    static long param(Map<String, List<String>> params, String name, long min, long max) {
        List<String> values = params.get(name);
        if (values == null || values.size() != 1) {
            throw new IllegalArgumentException("query parameter " + name + " is required once (" + min + ".." + max + ")");
        }
        String v = values.get(0);
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("query parameter " + name + " is not a decimal number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("query parameter " + name + " must be in " + min + ".." + max);
        }
        return n;
    }

    private static HttpVersion req11() {
        return HttpVersion.HTTP_1_1;
    }

    private static byte[] pattern(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    /** N bytes as retained slices of {@link #CHUNK_BODY}: no copy, no per-request buffer. */
    static final class RepeatedBytes implements ChunkedInput<ByteBuf> {
        private final long length;
        private long sent;

        RepeatedBytes(long length) {
            this.length = length;
        }

        @Override
        public boolean isEndOfInput() {
            return sent >= length;
        }

        @Override
        public void close() {}

        @Deprecated
        @Override
        public ByteBuf readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator allocator) {
            if (isEndOfInput()) {
                return null;
            }
            int n = (int) Math.min(CHUNK, length - sent);
            sent += n;
            return CHUNK_BODY.retainedSlice(0, n);
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public long progress() {
            return sent;
        }
    }
}
