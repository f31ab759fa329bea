package dev.gatehouse.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;

/**
 * Where a benchmark client connects: a URL whose host name goes into SNI, the {@code Host} header
 * and certificate verification, and the address actually dialled (so that
 * {@code origin--gpu-node-1.apps.localhost}, which the C library does not resolve, is reached on
 * 127.0.0.1 as curl would reach it). {@code https} URLs are verified against the CA certificate
 * given (PEM), TLS 1.3 only; {@code http} URLs are plain.
 *
 * @param uri {@code http(s)://HOST[:PORT]/PATH[?QUERY]}; {@code ws}/{@code wss} are taken as http/https
 * @param connect the address to dial (default: 127.0.0.1)
 * @param tls the client TLS context, or null for plain http
 * @param cookie the {@code Cookie} header value to send, or null
 */
record BenchTarget(URI uri, String connect, SslContext tls, String cookie) {

    /**
     * Parses {@code URL [--ca PEM] [--cookie VALUE] [--connect ADDRESS]}.
     *
     * @throws IllegalArgumentException naming the bad argument
     * @throws SSLException when the CA file cannot be read as PEM certificates
     */
    static BenchTarget parse(String url, List<String> options) throws SSLException {
        URI uri = URI.create(url);
        String scheme = uri.getScheme();
        if (scheme == null || !List.of("http", "https", "ws", "wss").contains(scheme) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) or ws(s) URL with a host: " + url);
        }
        String ca = null;
        String cookie = null;
        String connect = "127.0.0.1";
        for (int i = 0; i < options.size(); i += 2) {
            if (i + 1 >= options.size()) {
                throw new IllegalArgumentException(options.get(i) + " needs a value");
            }
            String v = options.get(i + 1);
            switch (options.get(i)) {
                case "--ca" -> ca = v;
                case "--cookie" -> cookie = v;
                case "--connect" -> connect = v;
                default -> throw new IllegalArgumentException("unknown option " + options.get(i) + " (--ca, --cookie, --connect)");
            }
        }
        boolean secure = scheme.equals("https") || scheme.equals("wss");
        if (secure && ca == null) {
            throw new IllegalArgumentException(url + " is https: give the CA to trust with --ca PEM");
        }
        SslContext tls = secure
                ? SslContextBuilder.forClient().trustManager(new File(ca)).protocols("TLSv1.3").build()
                : null;
        return new BenchTarget(uri, connect, tls, cookie);
    }

    boolean secure() {
        return tls != null;
    }

    int port() {
        return uri.getPort() != -1 ? uri.getPort() : secure() ? 443 : 80;
    }

    String host() {
        return uri.getHost();
    }

    /** The {@code Host} header value (RFC 9110 section 7.2): the name, and the port unless it is the scheme's default. */
    String hostHeader() {
        return uri.getPort() == -1 ? host() : host() + ":" + uri.getPort();
    }

    /** The request target: the path (or {@code /}) and the query, as in the URL. */
    String requestTarget() {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(connect, port());
    }

    /** Adds TLS (SNI and host name verification for {@link #host()}) first, when the URL is https. */
    void addTls(Channel ch) {
        if (tls != null) {
            ChannelPipeline p = ch.pipeline();
            p.addLast(tls.newHandler(ch.alloc(), host(), port()));
        }
    }

    /**
     * Dials {@link #address()} on {@code group} (TCP_NODELAY) for one connection whose pipeline is
     * TLS ({@link #addTls}) then {@code handlers}, made for this connection alone; a failed connect
     * completes {@code done} with an {@link IllegalStateException} "cannot connect to ADDRESS".
     */
    void open(EventLoopGroup group, CompletableFuture<?> done, ChannelHandler... handlers) {
        new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        addTls(ch);
                        ch.pipeline().addLast(handlers);
                    }
                })
                .connect(address())
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        done.completeExceptionally(new IllegalStateException("cannot connect to " + address(), f.cause()));
                    }
                });
    }
}
