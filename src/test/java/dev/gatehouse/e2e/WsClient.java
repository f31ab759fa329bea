package dev.gatehouse.e2e;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client (RFC 6455) for the tests, on Netty: it connects to {@code 127.0.0.1} but
 * speaks to the URI's host name (TLS SNI, certificate name check and {@code Host} header), because
 * the JDK resolves {@code *.localhost} through glibc, which does not map it to loopback the way
 * curl and browsers do. Over {@code wss} it trusts only the given CA PEM and may present an
 * {@code app-cert} PEM (certificate then PKCS#8 key). Received frames queue up for {@link #next}.
 */
final class WsClient implements AutoCloseable {
    /** A received data frame: text (binary null) or binary (text null); or the close (code set). */
    record Frame(String text, byte[] binary, int closeCode) {}

    private final EventLoopGroup group;
    private final Channel channel;
    private final BlockingQueue<Frame> received = new LinkedBlockingQueue<>();

    private WsClient(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Opens {@code uri} (ws:// or wss://) and completes the handshake; fails with the HTTP status if refused. */
    static WsClient connect(URI uri, Path caPem, Path clientPem) {
        boolean tls = "wss".equals(uri.getScheme());
        int port = uri.getPort();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        WebSocketClientHandshaker hs = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13, null,
                true, new DefaultHttpHeaders(), 1 << 20);
        WsClient[] self = new WsClient[1];
        BlockingQueue<Object> handshake = new LinkedBlockingQueue<>();
        try {
            SslContext ssl = tls ? sslContext(caPem, clientPem) : null;
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            if (ssl != null) {
                                c.pipeline().addLast(ssl.newHandler(c.alloc(), uri.getHost(), port));
                            }
                            c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                                    new SimpleChannelInboundHandler<Object>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                            if (!hs.isHandshakeComplete() && msg instanceof FullHttpResponse r) {
                                                try {
                                                    hs.finishHandshake(ctx.channel(), r);
                                                    handshake.add(Boolean.TRUE);
                                                } catch (RuntimeException e) {
                                                    handshake.add(new AssertionError("WebSocket handshake refused: "
                                                            + r.status() + " " + r.content().toString(StandardCharsets.UTF_8), e));
                                                }
                                            } else if (msg instanceof WebSocketFrame f) {
                                                self[0].receive(f);
                                            }
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                            handshake.add(cause);
                                            ctx.close();
                                        }

                                        @Override
                                        public void channelInactive(ChannelHandlerContext ctx) {
                                            handshake.add(new AssertionError("connection closed"));
                                            if (self[0] != null) {
                                                self[0].received.add(new Frame(null, null, -1));
                                            }
                                        }
                                    });
                        }
                    })
                    .connect("127.0.0.1", port).sync().channel();
            self[0] = new WsClient(group, ch);
            hs.handshake(ch).sync();
            Object outcome = handshake.poll(20, TimeUnit.SECONDS);
            if (outcome != Boolean.TRUE) {
                self[0].close();
                throw outcome instanceof Throwable t ? new AssertionError("WebSocket to " + uri + " failed: " + t, t)
                        : new AssertionError("no WebSocket handshake answer from " + uri + " within 20 s");
            }
            return self[0];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully();
            throw new AssertionError(e);
        } catch (java.io.IOException e) {
            group.shutdownGracefully();
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static SslContext sslContext(Path caPem, Path clientPem) throws java.io.IOException {
        SslContextBuilder b = SslContextBuilder.forClient().trustManager(caPem.toFile());
        if (clientPem != null) {
            String pem = Keys.read(clientPem);
            int key = pem.indexOf("-----BEGIN PRIVATE KEY-----");
            b.keyManager(new ByteArrayInputStream(pem.substring(0, key).getBytes(StandardCharsets.US_ASCII)),
                    new ByteArrayInputStream(pem.substring(key).getBytes(StandardCharsets.US_ASCII)));
        }
        return b.build();
    }

    private void receive(WebSocketFrame f) {
        if (f instanceof TextWebSocketFrame t) {
            received.add(new Frame(t.text(), null, 0));
        } else if (f instanceof BinaryWebSocketFrame bin) {
            received.add(new Frame(null, ByteBufUtil.getBytes(bin.content()), 0));
        } else if (f instanceof CloseWebSocketFrame c) {
            received.add(new Frame(null, null, c.statusCode()));
        }
    }

    void sendText(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text)).syncUninterruptibly();
    }

    void sendBinary(byte[] data) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(data))).syncUninterruptibly();
    }

    /** The next frame received, waiting up to {@code timeout}; fails when none comes. */
    Frame next(Duration timeout) {
        try {
            Frame f = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (f == null) {
                throw new AssertionError("no WebSocket frame within " + timeout);
            }
            return f;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Sends a close frame (1000) and waits for the connection to end. */
    void closeNormally() {
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(1000, "done"));
            channel.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
