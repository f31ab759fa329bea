package dev.gatehouse.gateway.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The calling side of an instance-to-instance observe (issue 13): an HTTPS/1.1 request from this
 * instance to the instance running the session, {@code GET /internal/v1/live/{id}/observe} with
 * {@code Authorization: Bearer} and an {@link InstanceTokens} token, whose server-sent events are
 * relayed unchanged to this instance's client.
 *
 * <p>TLS trusts only the gateway TLS CA the instances share (their common {@code data/keys/}) and
 * checks the certificate names {@code hostname} (the console's, the same on every instance; also
 * the SNI and {@code Host}). Back-pressure: the connection reads with {@code autoRead} off, one read
 * at a time, and only while this instance's client takes what it is sent (its
 * {@link ApiResponse.StreamSink#writable()}); a client that does not read stops the reads, so the
 * other instance's own slow-observer rule (1 MiB behind) applies to it. Either side closing ends
 * the other: the client leaving closes the connection, the connection ending (or being lost)
 * ends the client's stream (with an {@code end} event when the other instance sent none).
 */
public final class InstanceRelay implements AutoCloseable {
    /** How long the other instance has to connect and answer the request's head. */
    static final Duration ANSWER_WAIT = Duration.ofSeconds(10);
    /** How soon a relay waiting for its client's connection to drain looks again. */
    static final Duration WRITABLE_POLL = Duration.ofMillis(20);
    /** Largest error answer read from the other instance. */
    static final int MAX_ERROR = 16 * 1024;
    /** The path on the instance running the session. */
    public static final String PATH = "/internal/v1/live/";

    private final SslContext tls;
    private final String hostname;
    private final EventLoopGroup group;

    /**
     * @param ca the gateway TLS CA every instance shares: the only trust anchor
     * @param hostname the console's hostname ({@code web.hostname}): SNI, {@code Host} and the name the certificate must carry
     */
    public InstanceRelay(X509Certificate ca, String hostname) {
        try {
            this.tls = SslContextBuilder.forClient().trustManager(ca).protocols("TLSv1.3", "TLSv1.2").build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException("cannot build the instance-to-instance TLS client: " + e.getMessage(), e);
        }
        this.hostname = hostname;
        this.group = new NioEventLoopGroup(1, new DefaultThreadFactory("gatehouse-instance-relay", true));
    }

    /** What the other instance answered when it refused: its status and its {@code message}. */
    static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        Refusal(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /**
     * Opens the observe stream of session {@code id} on the instance listening on {@code webListen}
     * ({@code host:port}, {@code [v6]:port}) and waits for its answer's head (at most 10 s).
     *
     * @param onEnded told why, once, when the relayed stream ends (the client left, the stream ended, the connection was lost)
     * @return the stream to hand to this instance's client
     * @throws ApiError 503 when the instance cannot be reached or does not answer in time; its own
     *     status and message when it refuses (401, 403, 404, 409, 503)
     */
    public ApiResponse.Stream open(String instanceName, String webListen, String id, String token,
            java.util.function.Consumer<String> onEnded) {
        InetSocketAddress to = address(instanceName, webListen);
        Relay relay = new Relay(instanceName, onEnded);
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) ANSWER_WAIT.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = tls.newHandler(ch.alloc(), hostname, to.getPort());
                        SSLEngine engine = ssl.engine();
                        SSLParameters p = engine.getSSLParameters();
                        p.setEndpointIdentificationAlgorithm("HTTPS");
                        engine.setSSLParameters(p);
                        ch.pipeline().addLast(ssl, new HttpClientCodec(), relay);
                    }
                });
        ChannelFuture connect = b.connect(to);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                relay.head.completeExceptionally(f.cause());
                return;
            }
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                    PATH + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + "/observe");
            int port = to.getPort();
            req.headers().set(HttpHeaderNames.HOST, port == 443 ? hostname : hostname + ":" + port);
            req.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
            req.headers().set(HttpHeaderNames.ACCEPT, "text/event-stream");
            connect.channel().writeAndFlush(req);
            connect.channel().read();
        });
        try {
            relay.head.get(ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            connect.channel().close();
            throw ApiError.unavailable("instance " + instanceName + " did not answer within " + ANSWER_WAIT.toSeconds()
                    + " s; observe the session from " + instanceName);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connect.channel().close();
            throw ApiError.unavailable("interrupted while waiting for instance " + instanceName);
        } catch (ExecutionException e) {
            connect.channel().close();
            if (e.getCause() instanceof Refusal r) {
                throw new ApiError(r.status, code(r.status), r.getMessage());
            }
            throw ApiError.unavailable("instance " + instanceName + " (" + webListen + ") cannot be reached: "
                    + (e.getCause() == null ? "?" : e.getCause().getMessage()));
        }
        Channel channel = connect.channel();
        return new ApiResponse.Stream("text/event-stream", sink -> {
            sink.onClose(() -> {
                relay.ended("the observer left");
                channel.close();
            });
            channel.eventLoop().execute(() -> relay.attach(sink));
        });
    }

    private static String code(int status) {
        return switch (status) {
            case 401 -> "unauthenticated";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 409 -> "conflict";
            case 400 -> "bad_request";
            default -> "unavailable";
        };
    }

    private static InetSocketAddress address(String instanceName, String webListen) {
        int colon = webListen == null ? -1 : webListen.lastIndexOf(':');
        if (colon <= 0) {
            throw ApiError.conflict("instance " + instanceName + " has no HTTPS listener registered; observe the session from "
                    + instanceName);
        }
        String host = webListen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(webListen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw ApiError.conflict("instance " + instanceName + " registered an unusable HTTPS address");
        }
        if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
            throw ApiError.conflict("instance " + instanceName + " listens on every address (" + webListen + "), so other"
                    + " instances cannot tell where to reach it: set its instance.advertise to a name or address they reach,"
                    + " or observe the session from " + instanceName);
        }
        return new InetSocketAddress(host, port);
    }

    /** One relayed stream, on its connection's event loop. */
    private static final class Relay extends SimpleChannelInboundHandler<HttpObject> {
        final CompletableFuture<HttpResponse> head = new CompletableFuture<>();
        private final String instanceName;
        private final java.util.function.Consumer<String> onEnded;
        private final java.util.concurrent.atomic.AtomicBoolean told = new java.util.concurrent.atomic.AtomicBoolean();
        private ChannelHandlerContext ctx;
        private int status;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private boolean complete;
        private boolean endSeen;
        private ApiResponse.StreamSink sink;

        Relay(String instanceName, java.util.function.Consumer<String> onEnded) {
            this.instanceName = instanceName;
            this.onEnded = onEnded;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        void ended(String why) {
            if (told.compareAndSet(false, true)) {
                onEnded.accept(why);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                status = r.status().code();
                if (status == 200) {
                    head.complete(r);
                }
            }
            if (msg instanceof HttpContent c) {
                ByteBuf data = c.content();
                if (status == 200 || pending.size() + data.readableBytes() <= MAX_ERROR) {
                    byte[] bytes = new byte[data.readableBytes()];
                    data.getBytes(data.readerIndex(), bytes);
                    pending.writeBytes(bytes);
                }
                if (msg instanceof LastHttpContent) {
                    complete = true;
                    if (status != 200) {
                        head.completeExceptionally(new Refusal(status, message(pending.toByteArray())));
                        ctx.close();
                        return;
                    }
                }
                forward();
            }
        }

        private String message(byte[] body) {
            try {
                JsonNode n = ConsoleJson.MAPPER.readTree(body);
                if (n != null && n.hasNonNull("message")) {
                    return "instance " + instanceName + ": " + n.get("message").asText();
                }
            } catch (java.io.IOException e) {
                // not the API's error shape: said below
            }
            return "instance " + instanceName + " refused with HTTP " + status;
        }

        void attach(ApiResponse.StreamSink to) {
            sink = to;
            forward();
            if (!complete && ctx.channel().isActive()) {
                readWhenWritable();
            } else if (!ctx.channel().isActive()) {
                lost();
            }
        }

        /** Hands every complete event received to the client, in one write (so the write never waits). */
        private void forward() {
            if (sink == null || status != 200) {
                return;
            }
            byte[] bytes = pending.toByteArray();
            int cut = lastEventEnd(bytes);
            if (cut > 0) {
                String events = new String(bytes, 0, cut, StandardCharsets.UTF_8);
                endSeen |= events.startsWith("event: end\n") || events.contains("\n\nevent: end\n");
                pending.reset();
                pending.write(bytes, cut, bytes.length - cut);
                if (!sink.write(events)) {
                    ctx.close();
                    return;
                }
            }
            if (complete) {
                ended(endSeen ? "the stream ended on instance " + instanceName : "instance " + instanceName + " ended the stream");
                sink.close();
                ctx.close();
            }
        }

        private static int lastEventEnd(byte[] b) {
            for (int i = b.length - 1; i > 0; i--) {
                if (b[i] == '\n' && b[i - 1] == '\n') {
                    return i + 1;
                }
            }
            return 0;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!head.isDone() || status != 200) {
                ctx.read();
            } else if (sink != null && !complete) {
                readWhenWritable();
            }
        }

        /** Reads once this instance's client takes more; until then nothing is read from the other instance. */
        private void readWhenWritable() {
            if (!ctx.channel().isActive() || complete) {
                return;
            }
            if (sink.writable()) {
                ctx.read();
            } else {
                ctx.executor().schedule(this::readWhenWritable, WRITABLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!head.isDone()) {
                head.completeExceptionally(new java.io.IOException("the connection closed before an answer"));
            } else if (sink != null) {
                lost();
            }
        }

        /** The connection ended without the stream's end: the client is told, and its stream ends. */
        private void lost() {
            if (complete || sink == null) {
                return;
            }
            complete = true;
            if (!endSeen) {
                String why = "the connection to instance " + instanceName + " was lost";
                sink.write("event: end\ndata: " + ConsoleJson.MAPPER.valueToTree(Map.of("reason", why)) + "\n\n");
                ended(why);
            }
            sink.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            head.completeExceptionally(cause);
            ctx.close();
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
