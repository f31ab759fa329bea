package dev.gatehouse.bench;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Holds many open WebSockets (RFC 6455) through a proxy to {@link WebOrigin}'s {@code /ws} echo,
 * so that the caller can read the proxy's memory meanwhile. A socket counts as open once its
 * handshake answered 101 and one text message came back echoed, so every counted socket really
 * reaches the origin.
 *
 * <p>Usage: {@code WsHold URL N PARALLEL DIR [--ca PEM] [--cookie VALUE] [--connect ADDRESS]},
 * URL {@code wss://HOST:PORT/ws}. Opens N sockets with at most PARALLEL handshakes in flight, writes
 * {@code DIR/open.json} ({@code {"open":..,"failed":..,"millis":..,"error":".."}}, error the first
 * failure's message or empty), waits (at most 15 minutes) for the file {@code DIR/continue}, closes
 * every socket with status 1000, writes {@code DIR/closed.json} ({@code {"still_open":..}}) and exits.
 */
public final class WsHold {
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration HOLD_TIMEOUT = Duration.ofMinutes(15);

    private WsHold() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: WsHold URL N PARALLEL DIR [--ca PEM] [--cookie VALUE] [--connect ADDRESS]");
            System.exit(2);
        }
        BenchTarget target = BenchTarget.parse(args[0], List.of(args).subList(4, args.length));
        int n = Integer.parseInt(args[1]);
        Semaphore inFlight = new Semaphore(Integer.parseInt(args[2]));
        Path dir = Path.of(args[3]);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        List<Channel> open = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failed = new AtomicInteger();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        long t0 = System.nanoTime();
        List<CompletableFuture<Object>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!inFlight.tryAcquire(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                errors.add("no handshake finished within " + STEP_TIMEOUT.toSeconds() + " s");
                break;
            }
            CompletableFuture<Channel> one = open(group, target, "hello " + i);
            all.add(one.handle((ch, err) -> {
                inFlight.release();
                if (err == null) {
                    open.add(ch);
                } else {
                    failed.incrementAndGet();
                    errors.add(String.valueOf(err.getMessage()));
                }
                return null;
            }));
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(STEP_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            errors.add("some handshakes did not finish");
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        String error = errors.isEmpty() ? "" : errors.peek().replace("\\", "\\\\").replace("\"", "'").replaceAll("[\\r\\n\\t]", " ");
        Files.writeString(dir.resolve("open.json"), String.format(
                "{\"open\":%d,\"failed\":%d,\"millis\":%d,\"error\":\"%s\"}%n", open.size(), failed.get(), millis, error));
        long deadline = System.nanoTime() + HOLD_TIMEOUT.toNanos();
        while (!Files.exists(dir.resolve("continue")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<Channel> snapshot;
        synchronized (open) {
            snapshot = new ArrayList<>(open);
        }
        for (Channel ch : snapshot) {
            ch.writeAndFlush(new CloseWebSocketFrame(1000, "bench done"));
        }
        long closeBy = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (snapshot.stream().anyMatch(Channel::isActive) && System.nanoTime() < closeBy) {
            Thread.sleep(50);
        }
        long still = snapshot.stream().filter(Channel::isActive).count();
        snapshot.forEach(Channel::close);
        Files.writeString(dir.resolve("closed.json"), "{\"still_open\":" + still + "}\n");
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** Opens one socket; completes with its channel once {@code hello} came back echoed. */
    private static CompletableFuture<Channel> open(EventLoopGroup group, BenchTarget target, String hello) {
        CompletableFuture<Channel> done = new CompletableFuture<>();
        HttpHeaders headers = new DefaultHttpHeaders();
        String scheme = target.secure() ? "https" : "http";
        headers.set(HttpHeaderNames.ORIGIN, scheme + "://" + target.hostHeader());
        if (target.cookie() != null) {
            headers.set(HttpHeaderNames.COOKIE, target.cookie());
        }
        URI wsUri = URI.create((target.secure() ? "wss" : "ws") + "://" + target.hostHeader() + target.requestTarget());
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(wsUri)
                .version(WebSocketVersion.V13)
                .customHeaders(headers)
                .handshakeTimeoutMillis(STEP_TIMEOUT.toMillis())
                .build();
        target.open(group, done, new HttpClientCodec(), new HttpObjectAggregator(65536),
                new WebSocketClientProtocolHandler(config), new Echo(hello, done));
        return done;
    }

    /** After the handshake, sends {@code hello} and completes when the same text comes back. */
    private static final class Echo extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        private final String hello;
        private final CompletableFuture<Channel> done;

        Echo(String hello, CompletableFuture<Channel> done) {
            this.hello = hello;
            this.done = done;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                ctx.writeAndFlush(new TextWebSocketFrame(hello));
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                done.completeExceptionally(new IllegalStateException("handshake timed out"));
                ctx.close();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            if (frame.text().equals(hello)) {
                done.complete(ctx.channel());
            } else {
                done.completeExceptionally(new IllegalStateException("echo mismatch: " + frame.text()));
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException("closed before the echo"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }
}
