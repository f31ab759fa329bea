package dev.gatehouse.gateway.web.upstream;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.gateway.ssh.upstream.UpstreamStage;
import dev.gatehouse.gateway.web.AppConnector;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.gateway.web.AppStream;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;

/**
 * Reaches an app on the node's network directly, as {@link AppRoute#target()} names it: TCP to
 * {@code host:port} ({@code http://}), or TLS over it ({@code https://}) verified against the
 * route's pinned CA ({@link AppRoute#targetCa()}, PEM) and nothing else, with host name
 * verification (RFC 6125; Netty 4.2 sets endpoint identification {@code HTTPS}) and SNI. A
 * {@code https://} target without a pinned CA is refused: the JDK's public roots say nothing
 * about a node's internal service.
 *
 * <p>Channels run on the web front's event loop group, TCP_NODELAY, {@code autoRead} off and one
 * message per read, so {@link TcpAppStream} reads only when its reader asks. A target whose name
 * resolves (at each connection: DNS may change) to any address of the gateway itself, its
 * loopback, the wildcard address or an address of one of its interfaces ({@link GatewayAddresses}),
 * is refused before any packet is sent to it, and the connection goes to the address that was
 * checked, never a second lookup: such a target would reach the gateway's own services, never the
 * node's (node-local apps go through {@link SshAppConnector}). Failures complete the future with an {@link UpstreamException} at stage
 * {@code tcp_connect} or {@code tls}.
 */
public final class TcpAppConnector implements AppConnector {
    private final EventLoopGroup group;
    private final Duration timeout;
    /** SslContexts by pinned CA PEM: building one parses the PEM and sets up a trust manager. */
    private final Cache<String, SslContext> contexts = Caffeine.newBuilder().maximumSize(256).build();
    /** Why an address is the gateway's own, or empty. */
    private final Function<InetAddress, Optional<String>> own;
    private final AddressResolverGroup<InetSocketAddress> resolver = new AddressResolverGroup<>() {
        @Override
        protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
            return new CheckedResolver(executor).asAddressResolver();
        }
    };

    /**
     * @param group the web front's event loop group ({@code MultiThreadIoEventLoopGroup} with
     *     {@code NioIoHandler}); not closed by {@link #close}
     * @param timeout for the TCP connect and, separately, the TLS handshake
     */
    public TcpAppConnector(EventLoopGroup group, Duration timeout) {
        this(group, timeout, GatewayAddresses::describe);
    }

    /** @param own why an address is the gateway's own, or empty (tests stand a node's address in for this host's) */
    TcpAppConnector(EventLoopGroup group, Duration timeout, Function<InetAddress, Optional<String>> own) {
        this.group = Objects.requireNonNull(group, "group");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.own = Objects.requireNonNull(own, "own");
    }

    @Override
    public CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId) {
        return open(route, who, appSessionId, null);
    }

    /** The loop of {@code group} that is {@code hint}, or the group itself (any of its loops) when none is. */
    private EventLoopGroup ownLoop(io.netty.channel.EventLoop hint) {
        if (hint != null) {
            for (io.netty.util.concurrent.EventExecutor loop : group) {
                if (loop == hint) {
                    return hint;
                }
            }
        }
        return group;
    }

    /**
     * {@inheritDoc} Here the connection runs on {@code clientLoop} when it is one of the group's
     * loops (an embedded or foreign loop is ignored), else on one of the group's.
     */
    @Override
    public CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId,
            io.netty.channel.EventLoop clientLoop) {
        URI target = route.target();
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        String host = AppConnectors.bareHost(target);
        int port = AppConnectors.port(target);
        String where = AppConnectors.hostPort(host, port);
        boolean tls = scheme.equals("https");
        if (AppConnectors.isNodeLocal(target)) {
            return CompletableFuture.failedFuture(loopback(route, where, host));
        }
        SslContext context;
        try {
            context = tls ? context(route) : null;
        } catch (SSLException | IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new UpstreamException(UpstreamStage.TLS,
                    "app '" + route.app() + "': the pinned CA of " + target + " is not usable: " + e.getMessage(), null, e));
        }
        String describe = (tls ? "tls " : "tcp ") + where + " on the network of " + route.node().name();
        CompletableFuture<AppStream> result = new CompletableFuture<>();
        Bootstrap bootstrap = new Bootstrap()
                .group(ownLoop(clientLoop))
                .channel(NioSocketChannel.class)
                .resolver(resolver)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator().maxMessagesPerRead(1))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // handlers come once the peer's address is checked
                    }
                });
        ChannelFuture connect;
        try {
            connect = bootstrap.connect(host, port);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(failure(UpstreamStage.TCP_CONNECT, route, where, e));
        }
        connect.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause() instanceof GatewayOwn g ? ownAddress(route, where, g)
                        : failure(UpstreamStage.TCP_CONNECT, route, where, f.cause()));
                return;
            }
            Channel ch = f.channel();
            if (ch.remoteAddress() instanceof InetSocketAddress peer && peer.getAddress() != null
                    && (peer.getAddress().isLoopbackAddress() || peer.getAddress().isAnyLocalAddress())) {
                ch.close();
                result.completeExceptionally(loopback(route, where, peer.getAddress().getHostAddress()));
                return;
            }
            TcpAppStream stream = new TcpAppStream(ch, describe);
            if (!tls) {
                ch.pipeline().addLast(stream);
                complete(result, stream);
                return;
            }
            SslHandler handler = context.newHandler(ch.alloc(), host, port);
            handler.setHandshakeTimeoutMillis(timeout.toMillis());
            ch.pipeline().addLast(handler, stream);
            handler.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    complete(result, stream);
                } else {
                    ch.close();
                    result.completeExceptionally(failure(UpstreamStage.TLS, route, where, h.cause()));
                }
            });
        });
        return result;
    }

    private static void complete(CompletableFuture<AppStream> result, AppStream stream) {
        if (!result.complete(stream)) {
            stream.close();
        }
    }

    private SslContext context(AppRoute route) throws SSLException {
        String pem = route.targetCa();
        if (pem == null || pem.isBlank()) {
            throw new IllegalArgumentException("an https:// target needs target_ca (the CA its certificate chains to)");
        }
        SslContext cached = contexts.getIfPresent(pem);
        if (cached != null) {
            return cached;
        }
        // the JDK's JSSE (not OpenSSL, Netty's default once netty-tcnative is present): its handshake
        // errors name the reason (no SAN matching the address, untrusted chain), which the app's error page shows
        SslContext built = SslContextBuilder.forClient()
                .sslProvider(io.netty.handler.ssl.SslProvider.JDK)
                .trustManager(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                .protocols("TLSv1.3", "TLSv1.2")
                .build();
        contexts.put(pem, built);
        return built;
    }

    /** A target that would reach the gateway itself (SSRF onto its own loopback services). */
    private static UpstreamException loopback(AppRoute route, String where, String address) {
        return new UpstreamException(UpstreamStage.TCP_CONNECT, "app '" + route.app() + "': " + where + " is " + address
                + ", the gateway's own loopback if dialled directly; node-local apps are reached through the node's sshd",
                null, null);
    }

    /** A target whose name resolves to the gateway itself (SSRF onto its own listeners). */
    private static UpstreamException ownAddress(AppRoute route, String where, GatewayOwn g) {
        return new UpstreamException(UpstreamStage.TCP_CONNECT, "app '" + route.app() + "': " + where + " resolves to "
                + g.getMessage() + "; a direct target must be the app's host on the node's network", null, null);
    }

    /** The resolution refused an address of the gateway itself (its message: the address and why). */
    private static final class GatewayOwn extends IOException {
        private static final long serialVersionUID = 1L;

        GatewayOwn(String message) {
            super(message);
        }
    }

    /**
     * The JDK's resolution (as Netty's default resolver, on the connecting channel's event loop),
     * refusing a name when any of its addresses is the gateway's own.
     */
    private final class CheckedResolver extends InetNameResolver {
        CheckedResolver(EventExecutor executor) {
            super(executor);
        }

        @Override
        protected void doResolve(String host, Promise<InetAddress> promise) {
            try {
                promise.setSuccess(checked(host).get(0));
            } catch (IOException e) {
                promise.setFailure(e);
            }
        }

        @Override
        protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
            try {
                promise.setSuccess(checked(host));
            } catch (IOException e) {
                promise.setFailure(e);
            }
        }

        private List<InetAddress> checked(String host) throws IOException {
            InetAddress[] all = InetAddress.getAllByName(host);
            for (InetAddress a : all) {
                Optional<String> why = own.apply(a);
                if (why.isPresent()) {
                    throw new GatewayOwn(a.getHostAddress() + ", " + why.get());
                }
            }
            return List.of(all);
        }
    }

    private static UpstreamException failure(UpstreamStage stage, AppRoute route, String where, Throwable cause) {
        String said = cause == null || cause.getMessage() == null ? cause == null ? "unknown failure" : cause.toString()
                : cause.getMessage();
        String step = stage == UpstreamStage.TLS ? "the TLS handshake with " : "the TCP connection to ";
        return new UpstreamException(stage, "app '" + route.app() + "' on node '" + route.node().name() + "': " + step + where
                + " failed: " + said, null, cause);
    }

    /** Forgets the cached TLS contexts; the event loop group is the web front's to close. */
    @Override
    public void close() {
        contexts.invalidateAll();
        resolver.close();
    }
}
