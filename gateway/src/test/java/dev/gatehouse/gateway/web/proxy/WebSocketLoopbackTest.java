package dev.gatehouse.gateway.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.web.AppConnector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A WebSocket through the proxy on real sockets: the JDK's WebSocket client, the proxy on a Netty
 * server (HTTP/1.1 codec, then AppProxyHandler), a TCP stream to a Netty WebSocket echo app.
 */
class WebSocketLoopbackTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final MemoryAuditStore store = new MemoryAuditStore();
    private Channel app;
    private Channel proxy;

    @BeforeEach
    void start() throws Exception {
        app = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/echo"), new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
                                        ctx.writeAndFlush(new TextWebSocketFrame("echo: " + frame.text()));
                                    }
                                });
                    }
                }).bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        int appPort = ((InetSocketAddress) app.localAddress()).getPort();
        FakeSession session = new FakeSession(URI.create("http://127.0.0.1:" + appPort));
        AppConnector connector = LoopbackProxy.tcp(group, () -> {});
        proxy = LoopbackProxy.listen(group, session, connector, store, null);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close().sync();
        app.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void messagesGoBothWaysAndTheCloseIsAudited() throws Exception {
        LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + ((InetSocketAddress) proxy.localAddress()).getPort() + "/echo"),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                                received.add(data.toString());
                                webSocket.request(1);
                                return null;
                            }

                            @Override
                            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                                closed.complete(statusCode);
                                return null;
                            }
                        })
                .get(20, TimeUnit.SECONDS);
        ws.sendText("one", true).get(20, TimeUnit.SECONDS);
        assertThat(received.poll(20, TimeUnit.SECONDS)).isEqualTo("echo: one");
        ws.sendText("two", true).get(20, TimeUnit.SECONDS);
        assertThat(received.poll(20, TimeUnit.SECONDS)).isEqualTo("echo: two");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(20, TimeUnit.SECONDS);
        assertThat(closed.get(20, TimeUnit.SECONDS)).isEqualTo(1000);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> store.of("app.websocket").size() == 2);
        assertThat(store.of("app.websocket").get(1).details()).containsEntry("phase", "close")
                .containsEntry("frames_in", "3").containsEntry("frames_out", "3").containsEntry("close_code", "1000");
    }
}
