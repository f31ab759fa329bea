package dev.gatehouse.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.stream.ChunkedStream;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A small web app "on the node": an in-process Netty HTTP/1.1 server on {@code 127.0.0.1:0} (the
 * node is this machine's loopback, so the gateway reaches it through the node's sshd tunnel just
 * as it would reach Jupyter). Endpoints, each one a thing proxies are known to break:
 * <ul>
 *   <li>{@code GET /headers}: the request headers it received, as a JSON object of lower-case
 *       name to list of values (so a duplicated header shows up as two values);</li>
 *   <li>{@code GET /sse?n=5&gap_ms=300}: {@code text/event-stream}, {@code n} events
 *       ({@code data: I}, I from 1) {@code gap_ms} apart, each flushed on its own (WHATWG HTML
 *       §9.2 server-sent events); the send instants of streams asked for with {@code tag=T} are kept in {@link #sseSentNanos(String)};</li>
 *   <li>{@code GET /ws}: WebSocket echo (RFC 6455), text and binary frames back as they came;</li>
 *   <li>{@code GET /big?bytes=N}: a body of N bytes, {@link #bigBody}'s pattern, with flow control;</li>
 *   <li>{@code GET /redirect}: 302 to {@code http://127.0.0.1:PORT/target} (the upstream's own
 *       address, which a proxy must rewrite); {@code GET /target} answers {@code target};</li>
 *   <li>{@code GET /cookie}: {@code Set-Cookie: echo=1; Domain=127.0.0.1; Path=/} (a Domain a
 *       proxy must drop or rewrite);</li>
 *   <li>{@code POST /upload}: the lower-case hex SHA-256 of the body, streamed (never buffered).</li>
 * </ul>
 * Anything else is 404.
 */
final class AppEcho implements AutoCloseable {
    private static final int MAX_WS_FRAME = 1 << 20;

    private final EventLoopGroup group;
    private final Channel server;
    private final int port;
    private final Map<String, List<Long>> sseSent = new java.util.concurrent.ConcurrentHashMap<>();

    private AppEcho(EventLoopGroup group, Channel server) {
        this.group = group;
        this.server = server;
        this.port = ((InetSocketAddress) server.localAddress()).getPort();
    }

    static AppEcho start() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        AppEcho[] self = new AppEcho[1];
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpServerExpectContinueHandler(),
                                    new ChunkedWriteHandler(), new Http(self[0]));
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            self[0] = new AppEcho(group, ch);
            return self[0];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully();
            throw new IllegalStateException("interrupted while binding AppEcho", e);
        }
    }

    int port() {
        return port;
    }

    /** The app's address as seen from the node, as a policy {@code target} names it. */
    String target() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * {@link System#nanoTime()} of each SSE event written and flushed so far by the streams asked for
     * with {@code tag=TAG} (streams of other tests, still running, are kept apart).
     */
    List<Long> sseSentNanos(String tag) {
        return List.copyOf(sseSent.getOrDefault(tag, List.of()));
    }

    /** Byte {@code i} of every {@code /big} body: a fixed pattern, so a test can hash what it expects. */
    static byte bigByte(long i) {
        return (byte) ((i * 31 + 7) & 0xff);
    }

    /** The SHA-256 (lower-case hex) of a {@code /big?bytes=n} body, computed here without the server. */
    static String bigBodySha256(long n) {
        MessageDigest d = sha256();
        byte[] buf = new byte[65536];
        try (InputStream in = bigBody(n)) {
            int r;
            while ((r = in.read(buf)) > 0) {
                d.update(buf, 0, r);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** The {@code /big} body as a stream of {@code n} bytes. */
    static InputStream bigBody(long n) {
        return new InputStream() {
            private long pos;

            @Override
            public int read() {
                return pos < n ? bigByte(pos++) & 0xff : -1;
            }

            /** What is left: ChunkedStream sizes its chunks by available(), one byte each if this said 0. */
            @Override
            public int available() {
                return (int) Math.min(n - pos, Integer.MAX_VALUE);
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= n) {
                    return -1;
                }
                int k = (int) Math.min(len, n - pos);
                for (int j = 0; j < k; j++) {
                    b[off + j] = bigByte(pos++);
                }
                return k;
            }
        };
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One HTTP/1.1 connection: routes each request by path; uploads are hashed as they stream in. */
    private static final class Http extends SimpleChannelInboundHandler<HttpObject> {
        private final AppEcho app;
        private MessageDigest upload;
        private boolean keepAlive;

        Http(AppEcho app) {
            this.app = app;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws Exception {
            if (msg instanceof HttpRequest req) {
                keepAlive = HttpUtil.isKeepAlive(req);
                QueryStringDecoder q = new QueryStringDecoder(req.uri());
                String path = q.path();
                if (req.method().equals(HttpMethod.POST) && path.equals("/upload")) {
                    upload = sha256();
                } else if (path.equals("/ws") && "websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE))) {
                    webSocket(ctx, req);
                    return;
                } else {
                    answer(ctx, req, q);
                }
            }
            if (msg instanceof HttpContent content && upload != null) {
                ByteBuf b = content.content();
                if (b.hasArray()) {
                    upload.update(b.array(), b.arrayOffset() + b.readerIndex(), b.readableBytes());
                } else {
                    upload.update(b.nioBuffer());
                }
                if (msg instanceof LastHttpContent) {
                    String hex = HexFormat.of().formatHex(upload.digest());
                    upload = null;
                    send(ctx, HttpResponseStatus.OK, "text/plain", hex + "\n", Map.of());
                }
            }
        }

        private void answer(ChannelHandlerContext ctx, HttpRequest req, QueryStringDecoder q) throws JsonProcessingException {
            switch (q.path()) {
                case "/headers" -> {
                    Map<String, List<String>> seen = new LinkedHashMap<>();
                    for (Map.Entry<String, String> h : req.headers()) {
                        seen.computeIfAbsent(h.getKey().toLowerCase(java.util.Locale.ROOT), k -> new ArrayList<>()).add(h.getValue());
                    }
                    send(ctx, HttpResponseStatus.OK, "application/json", Json.MAPPER.writeValueAsString(seen), Map.of());
                }
                case "/sse" -> sse(ctx, intParam(q, "n", 5), intParam(q, "gap_ms", 300), param(q, "tag", ""));
                case "/big" -> big(ctx, Long.parseLong(param(q, "bytes", "1024")));
                case "/redirect" -> send(ctx, HttpResponseStatus.FOUND, "text/plain", "moved\n",
                        Map.of("Location", "http://127.0.0.1:" + app.port + "/target"));
                case "/target" -> send(ctx, HttpResponseStatus.OK, "text/plain", "target\n", Map.of());
                case "/cookie" -> send(ctx, HttpResponseStatus.OK, "text/plain", "cookie\n",
                        Map.of("Set-Cookie", "echo=1; Domain=127.0.0.1; Path=/"));
                default -> send(ctx, HttpResponseStatus.NOT_FOUND, "text/plain", "no such endpoint\n", Map.of());
            }
        }

        private void sse(ChannelHandlerContext ctx, int n, int gapMs, String tag) {
            List<Long> sent = app.sseSent.computeIfAbsent(tag, t -> new CopyOnWriteArrayList<>());
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                    .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            ctx.writeAndFlush(head);
            boolean keep = keepAlive;
            for (int i = 1; i <= n; i++) {
                int event = i;
                ctx.executor().schedule(() -> {
                    if (!ctx.channel().isActive()) {
                        return; // the client went (a test cut the stream): nothing more is sent or counted
                    }
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("data: " + event + "\n\n", UTF_8)))
                            .addListener(f -> {
                                if (f.isSuccess()) {
                                    sent.add(System.nanoTime());
                                }
                            });
                    if (event == n) {
                        var done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                        if (!keep) {
                            done.addListener(ChannelFutureListener.CLOSE);
                        }
                    }
                }, (long) gapMs * (i - 1), TimeUnit.MILLISECONDS);
            }
        }

        private void big(ChannelHandlerContext ctx, long bytes) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            HttpUtil.setContentLength(head, bytes);
            ctx.write(head);
            var done = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedStream(bigBody(bytes), 65536)));
            if (!keepAlive) {
                done.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void webSocket(ChannelHandlerContext ctx, HttpRequest req) {
            String url = "ws://" + req.headers().get(HttpHeaderNames.HOST) + "/ws";
            WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory(url, null, true, MAX_WS_FRAME)
                    .newHandshaker(req);
            if (hs == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                return;
            }
            DefaultFullHttpRequest full = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
                    Unpooled.EMPTY_BUFFER, req.headers(), io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
            ctx.pipeline().addLast(new Frames(hs));
            ctx.pipeline().remove(this);
            hs.handshake(ctx.channel(), full);
        }

        private void send(ChannelHandlerContext ctx, HttpResponseStatus status, String type, String body,
                Map<String, String> headers) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type + "; charset=utf-8");
            headers.forEach((k, v) -> r.headers().set(k, v));
            HttpUtil.setContentLength(r, r.content().readableBytes());
            HttpUtil.setKeepAlive(r, keepAlive);
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static String param(QueryStringDecoder q, String name, String dflt) {
            List<String> v = q.parameters().get(name);
            return v == null || v.isEmpty() ? dflt : v.get(0);
        }

        private static int intParam(QueryStringDecoder q, String name, int dflt) {
            return Integer.parseInt(param(q, name, Integer.toString(dflt)));
        }
    }

    /** WebSocket echo after the handshake: data frames back unchanged, pings answered, close echoed. */
    private static final class Frames extends ChannelInboundHandlerAdapter {
        private final WebSocketServerHandshaker hs;

        Frames(WebSocketServerHandshaker hs) {
            this.hs = hs;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                ctx.writeAndFlush(msg);
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                hs.close(ctx.channel(), close);
            } else if (msg instanceof LastHttpContent last) {
                last.release(); // the end of the upgrade request, already answered
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }
    }
}
