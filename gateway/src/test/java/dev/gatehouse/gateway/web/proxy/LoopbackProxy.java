package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.web.AppConnector;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.gateway.web.AppSessionContext;
import dev.gatehouse.gateway.web.AppStream;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.recorder.AuditStore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * The proxy on a real loopback listener for the socket tests: every connection is an
 * {@link AppProxyHandler} (host {@code gw.example:8443}, a fresh {@link TestClock}) for one fixed
 * app session, reaching the app over plain TCP ({@link TcpAppStream}).
 */
final class LoopbackProxy {
    private LoopbackProxy() {}

    /** A connector that calls {@code onOpen}, then connects a {@link TcpAppStream} to the route target's host and port. */
    static AppConnector tcp(EventLoopGroup group, Runnable onOpen) {
        return new AppConnector() {
            @Override
            public CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId) {
                onOpen.run();
                return TcpAppStream.connect(group, new InetSocketAddress(route.target().getHost(), route.target().getPort()));
            }

            @Override
            public void close() {}
        };
    }

    /**
     * The bound listener (port 0 on the loopback address): each connection carries {@code session}
     * and is served by an {@link AppProxyHandler} over {@code connector}, auditing to {@code store}.
     *
     * @param marks the connections' write-buffer water marks, or null for Netty's defaults
     */
    static Channel listen(EventLoopGroup group, AppSessionContext session, AppConnector connector, AuditStore store,
            WriteBufferWaterMark marks) throws InterruptedException {
        TestClock clock = new TestClock();
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class);
        if (marks != null) {
            bootstrap.childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, marks);
        }
        return bootstrap.childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.attr(AppSessionContext.ATTR).set(session);
                        ch.pipeline().addLast(new HttpServerCodec(),
                                new AppProxyHandler(connector, new AuditTrail(store, clock, true), clock, "gw.example", 8443));
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }
}
