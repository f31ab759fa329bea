package dev.gatehouse.gateway.ops;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The operations listener: plain HTTP/1.1 on one Netty event-loop thread of its own, so a
 * scrape never waits behind SSH or HTTPS traffic. Requests are tiny: headers up to 8 KiB, bodies
 * up to 4 KiB (larger ones get 413 from the aggregator), idle connections close after 30 s.
 * Only requests whose {@code Host} names this listener are answered ({@link OpsHosts}: the
 * DNS-rebinding guard); every answer carries {@code Cache-Control: no-store} and
 * {@code X-Content-Type-Options: nosniff} ({@link OpsResponseHeaders}).
 */
final class OpsListener implements AutoCloseable {
    private static final OpsResponseHeaders RESPONSE_HEADERS = new OpsResponseHeaders();
    private final InetSocketAddress listen;
    private final OpsHandler handler;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private Channel server;

    /**
     * @param listen address to bind ({@code ops.listen}; port 0 picks a free port)
     * @param metrics what {@code /metrics} serves
     * @param readiness what {@code /readyz} asks
     * @param hosts {@code ops.hosts}: DNS names answered as {@code Host} besides IP literals and
     *     {@code localhost} (lower case, no trailing dot); see {@link OpsHosts}
     */
    public OpsListener(InetSocketAddress listen, OpsMetrics metrics, Readiness readiness, java.util.Collection<String> hosts) {
        this.listen = listen;
        this.handler = new OpsHandler(metrics, readiness, new OpsHosts(hosts), System::nanoTime);
    }

    /** Binds; returns the bound address. @throws IOException naming {@code ops.listen} when the bind fails */
    public InetSocketAddress start() throws IOException {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(30, TimeUnit.SECONDS))
                                .addLast(new HttpServerCodec(4096, 8192, 8192))
                                .addLast(RESPONSE_HEADERS)
                                .addLast(new HttpObjectAggregator(4096))
                                .addLast(handler);
                    }
                });
        InetSocketAddress target = new InetSocketAddress(listen.getHostString(), listen.getPort());
        try {
            server = b.bind(target).sync().channel();
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot listen for operations on " + dev.gatehouse.gateway.config.HostPort.format(listen)
                    + " (ops.listen; set another address or ops: {enabled: false}): " + e.getMessage(), e);
        }
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        return new InetSocketAddress(listen.getHostString(), bound.getPort());
    }

    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
