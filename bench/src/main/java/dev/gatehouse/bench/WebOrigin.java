package dev.gatehouse.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The upstream app of the HTTPS benchmark (bench/run, issue 11): one plain HTTP/1.1 server that
 * nginx, Gatehouse and the direct clients all reach, so that every system proxies the same bytes.
 *
 * <ul>
 *   <li>{@code GET /1k}: 1,024 bytes of {@code text/plain}, keep-alive (the {@code wrk} target);
 *   <li>{@code GET /bytes?n=N}: N bytes (0 ≤ N ≤ 2^40), chunked (RFC 9112 section 7.1), streamed
 *       from one reused 64 KiB buffer as fast as the connection takes them;
 *   <li>{@code GET /sse?n=N&gap_ms=G}: N server-sent events (WHATWG HTML "Server-sent events"),
 *       one every G ms (0 ≤ G ≤ 60,000; 1 ≤ N ≤ 1,000,000), each flushed alone; an event's data is
 *       the origin's wall clock when it wrote it, in microseconds since the Unix epoch, so that a
 *       client on the same machine measures the delay through a proxy ({@link SseProbe});
 *   <li>{@code GET /ws}: a WebSocket (RFC 6455) that echoes every text and binary message.
 * </ul>
 *
 * Anything else is a 404; a malformed or out-of-range parameter a 400 naming it. Logging is off;
 * no request is stored.
 *
 * <p>Usage: {@code WebOrigin PORT [THREADS] [BIND_ADDRESS...]} (default 2 event-loop threads,
 * bound on 127.0.0.1). Prints {@code origin listening on PORT} once every address is bound (port 0
 * picks one free port, then the others bind the same one).
 */
public final class WebOrigin implements AutoCloseable {
    private final EventLoopGroup group;
    private final List<Channel> listeners = new ArrayList<>();

    private WebOrigin(EventLoopGroup group) {
        this.group = group;
    }

    /**
     * Starts the origin on {@code port} at every address of {@code bind}.
     *
     * @throws InterruptedException when interrupted while binding
     * @throws IllegalStateException when an address cannot be bound (the address and the cause)
     */
    public static WebOrigin start(int port, int threads, List<String> bind) throws InterruptedException {
        WebOrigin origin = new WebOrigin(new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory()));
        ServerBootstrap b = new ServerBootstrap()
                .group(origin.group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        configure(ch.pipeline());
                    }
                });
        int bound = port;
        for (String address : bind) {
            try {
                Channel ch = b.bind(new InetSocketAddress(address, bound)).sync().channel();
                origin.listeners.add(ch);
                bound = ((InetSocketAddress) ch.localAddress()).getPort();
            } catch (RuntimeException e) {
                origin.close();
                throw new IllegalStateException("cannot listen on " + address + ":" + bound + ": " + e.getMessage(), e);
            }
        }
        return origin;
    }

    /** The handlers of one connection; package-visible so that tests drive them in an EmbeddedChannel. */
    static void configure(ChannelPipeline p) {
        p.addLast(new HttpServerCodec());
        p.addLast(new HttpServerKeepAliveHandler());
        // only GETs without bodies arrive here; the aggregator is what the WebSocket handshake needs
        p.addLast(new HttpObjectAggregator(65536));
        p.addLast(new WebSocketServerProtocolHandler("/ws", null, false, 16 * 1024 * 1024));
        p.addLast(new WsEcho());
        p.addLast(new ChunkedWriteHandler());
        p.addLast(new OriginHandler());
    }

    /** The port the origin listens on. */
    public int port() {
        return ((InetSocketAddress) listeners.get(0).localAddress()).getPort();
    }

    @Override
    public void close() {
        listeners.forEach(Channel::close);
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: WebOrigin PORT [THREADS] [BIND_ADDRESS...]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        List<String> bind = args.length > 2 ? List.of(args).subList(2, args.length) : List.of("127.0.0.1");
        WebOrigin origin = start(port, threads, bind);
        System.out.println("origin listening on " + origin.port());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(origin::close));
        Thread.currentThread().join();
    }
}
