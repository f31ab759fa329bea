package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.config.HostPort;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.policy.AccessState;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS listener ({@code web.listen}): TLS with the caller's {@link SslContext}, the client's
 * SNI name recorded for routing, ALPN choosing HTTP/2 ({@code h2}, RFC 9113; each stream becomes
 * HTTP/1-style objects for the same handlers) or HTTP/1.1 (RFC 9112, keep-alive), then
 * {@link WebRequests} (console, app gate, 404) and the app proxy. RFC 8441 extended CONNECT is not
 * advertised, so browsers open WebSockets over HTTP/1.1, which the proxy carries to the app.
 *
 * <p>Limits: request line 8 KiB (414), header block 16 KiB (431; HTTP/2: SETTINGS_MAX_HEADER_LIST_SIZE),
 * 10 s for the TLS handshake, 60 s for each HTTP/1.1 request head ({@link RequestHeadTimeout}),
 * 60 s for an HTTP/2 connection without an open stream or with a header block left open
 * ({@link Http2HeadTimeout}), at most {@value #MAX_STREAMS} concurrent HTTP/2 streams
 * (SETTINGS_MAX_CONCURRENT_STREAMS; more are refused with RST_STREAM REFUSED_STREAM),
 * connections idle 10 min in both directions closed. Request bodies are
 * not capped: the proxy applies flow control.
 */
public final class WebFront implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebFront.class);
    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 16384;
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    static final Duration IDLE = Duration.ofMinutes(10);
    /** How long an HTTP/1.1 request head may take after the connection opens or the previous exchange ends. */
    static final Duration HEAD_TIMEOUT = Duration.ofSeconds(60);
    /** SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 section 6.5.2) a client may open on one HTTP/2 connection. */
    static final int MAX_STREAMS = 100;

    /**
     * Everything the listener needs from the gateway.
     *
     * @param config {@code web:}
     * @param tls the server's TLS context (ALPN {@code h2}, {@code http/1.1}; client certificates optional)
     * @param site console host name and port
     * @param login the {@code web-login} tickets
     * @param policy app decisions and routes
     * @param holder the current policy
     * @param state the current locks and grants
     * @param audit the audit trail
     * @param registry the gateway's one session registry
     * @param clock time
     * @param assertions makes the signer of upstream identity assertions for the console origin (issuer)
     * @param certificates reads app client certificates
     * @param cookieKey 32-byte MAC key of the session cookies
     * @param appProxy makes the handler that carries an admitted request to its app (one per channel)
     * @param ioThreads event loop threads
     * @param oidc makes the OpenID Connect login once the port is known; empty when {@code web.oidc} is not set
     * @param console the console's API modules, pages, pool and api-token verifier
     */
    public record Parts(GatewayConfig.Web config, SslContext tls, WebSite site, WebLogin login, WebPolicy policy,
            PolicyHolder holder, Supplier<AccessState> state, AuditTrail audit, SessionRegistry registry, Clock clock,
            java.util.function.Function<WebSite, AssertionSigner> assertions, ClientCertificate.Reader certificates, byte[] cookieKey,
            Supplier<ChannelHandler> appProxy, int ioThreads,
            java.util.function.Function<WebSite, java.util.Optional<dev.gatehouse.gateway.web.oidc.OidcLogin>> oidc,
            dev.gatehouse.gateway.web.console.ConsoleSetup console) {

        /** Parts without console modules (endpoints on the common pool): whoami alone, today's home page. */
        public Parts(GatewayConfig.Web config, SslContext tls, WebSite site, WebLogin login, WebPolicy policy,
                PolicyHolder holder, Supplier<AccessState> state, AuditTrail audit, SessionRegistry registry, Clock clock,
                java.util.function.Function<WebSite, AssertionSigner> assertions, ClientCertificate.Reader certificates, byte[] cookieKey,
                Supplier<ChannelHandler> appProxy, int ioThreads,
                java.util.function.Function<WebSite, java.util.Optional<dev.gatehouse.gateway.web.oidc.OidcLogin>> oidc) {
            this(config, tls, site, login, policy, holder, state, audit, registry, clock, assertions, certificates, cookieKey, appProxy,
                    ioThreads, oidc, dev.gatehouse.gateway.web.console.ConsoleSetup.none(java.util.concurrent.ForkJoinPool.commonPool()));
        }
    }

    private final Parts parts;
    /** {@code web.proxy_protocol.from}; empty when connections carry no PROXY header. */
    private final java.util.Optional<dev.gatehouse.gateway.balancer.TrustedBalancers> balancers;
    private final WebContext web;
    private final EventLoopGroup group;
    private final ChannelGroup channels = new DefaultChannelGroup("gatehouse-web", GlobalEventExecutor.INSTANCE);
    private final java.util.List<AutoCloseable> closeAfterChannels = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Channel server;
    private ScheduledFuture<?> sweeper;
    /** Told of every accepted TCP connection, before its TLS handshake (the ops metrics count them). */
    private volatile Runnable accepted = () -> { };

    public WebFront(Parts parts) {
        this.parts = parts;
        this.balancers = dev.gatehouse.gateway.balancer.TrustedBalancers.of(parts.config().proxyProtocol());
        this.web = context(parts);
        this.group = new MultiThreadIoEventLoopGroup(parts.ioThreads(), NioIoHandler.newFactory());
    }

    /** The handlers' shared state, built from {@code parts} (launch tokens live as long as login tickets). */
    static WebContext context(Parts parts) {
        java.util.concurrent.atomic.AtomicReference<AssertionSigner> signer = new java.util.concurrent.atomic.AtomicReference<>(
                parts.site().port() == 0 ? null : parts.assertions().apply(parts.site()));
        AppSessions sessions = new AppSessions(parts.registry(), parts.policy(), signer::get, parts.audit(), parts.clock());
        return new WebContext(parts.site(), new SessionCookies(parts.cookieKey(), parts.clock(), parts.config().sessionTtl()),
                parts.login(), new OneTimeTokens<>(parts.clock(), parts.config().loginTicketTtl()), sessions, parts.policy(),
                parts.holder(), parts.state(), parts.audit(), parts.clock(), signer, parts.certificates(),
                new java.util.concurrent.atomic.AtomicReference<>(), Console.of(parts.console(), parts.holder(), parts.cookieKey()),
                new DeniedAudit(parts.audit(), parts.clock(), com.github.benmanes.caffeine.cache.Scheduler.systemScheduler()));
    }

    /** Runs {@code listener} on every accepted connection (on its event loop: it must not block); call before {@link #start}. */
    public void onAccepted(Runnable listener) {
        this.accepted = java.util.Objects.requireNonNull(listener, "listener");
    }

    /** The handlers' shared state (tests). */
    WebContext context() {
        return web;
    }

    /**
     * Binds {@code web.listen} and starts serving; logs {@code web listening on HOST:PORT}.
     *
     * @return the bound address (the real port when the configuration said 0)
     * @throws IOException when the address cannot be bound
     */
    public InetSocketAddress start() throws IOException {
        InetSocketAddress listen = parts.config().listen();
        InetSocketAddress resolved = listen.isUnresolved() ? new InetSocketAddress(listen.getHostString(), listen.getPort()) : listen;
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // the app proxy reads the app's next chunk only while the client's channel is writable
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new io.netty.channel.WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        accepted.run();
                        connection(ch);
                    }
                });
        try {
            server = b.bind(resolved).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty rethrows the bind's java.net.BindException without declaring it
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("cannot listen for HTTPS on " + HostPort.format(resolved) + " (web.listen): " + e.getMessage(), e);
        }
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        parts.site().bound(bound.getPort());
        web.oidc().set(parts.oidc().apply(parts.site()).orElse(null));
        if (listen.getPort() == 0) {
            web.assertions().set(parts.assertions().apply(parts.site()));
        }
        sweeper = group.next().scheduleWithFixedDelay(() -> {
            try {
                web.sessions().sweep();
            } catch (RuntimeException e) {
                LOG.error("ending expired app sessions failed: {}", e.toString());
            }
        }, 5, 5, TimeUnit.SECONDS);
        LOG.info("web listening on {}", HostPort.format(bound));
        return bound;
    }

    /**
     * The pipeline of one accepted connection, up to the ALPN choice; with {@code web.proxy_protocol},
     * the PROXY header handlers first ({@link dev.gatehouse.gateway.balancer.ProxyProtocolHandlers}).
     */
    void connection(Channel ch) {
        dev.gatehouse.gateway.balancer.ProxyProtocolHandlers.install(ch.pipeline(), balancers, "web.proxy_protocol");
        ch.pipeline().addLast("sni", new SniHandler(name -> parts.tls(), 16 * 1024, HANDSHAKE_TIMEOUT.toMillis()));
        ch.pipeline().addLast("sni-name", new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof SniCompletionEvent sni) {
                    if (sni.hostname() != null) {
                        ctx.channel().attr(WebRequests.SNI).set(sni.hostname().toLowerCase(Locale.ROOT));
                    }
                    ctx.pipeline().remove(this);
                }
                super.userEventTriggered(ctx, evt);
            }
        });
        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, IDLE.toSeconds(), TimeUnit.SECONDS));
        ch.pipeline().addLast("idle-close", new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt instanceof IdleStateEvent) {
                    ctx.close();
                    return;
                }
                super.userEventTriggered(ctx, evt);
            }
        });
        ch.pipeline().addLast("alpn", new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
            @Override
            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                    http2(ctx.pipeline().channel());
                } else {
                    http1(ctx.pipeline().channel());
                }
            }

            @Override
            protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                LOG.debug("TLS handshake from {} failed: {}", dev.gatehouse.gateway.balancer.ClientAddress.of(ctx.channel()),
                        cause.toString());
                ctx.close();
            }
        });
    }

    /** HTTP/1.1 after ALPN (or without it). */
    void http1(Channel ch) {
        ch.pipeline().addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_LINE).setMaxHeaderSize(MAX_HEADERS).setMaxChunkSize(64 * 1024)));
        ch.pipeline().addLast("keep-alive", new HttpServerKeepAliveHandler());
        ch.pipeline().addLast("head-timeout", new RequestHeadTimeout(HEAD_TIMEOUT));
        requestHandlers(ch);
    }

    /** HTTP/2 after ALPN: one child channel per stream, each with the HTTP/1 handlers. */
    void http2(Channel ch) {
        io.netty.handler.codec.http2.Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxHeaderListSize(MAX_HEADERS).maxConcurrentStreams(MAX_STREAMS))
                .build();
        ch.pipeline().addLast("h2-head-timeout", new Http2HeadTimeout(HEAD_TIMEOUT, codec.connection()));
        ch.pipeline().addLast("h2", codec);
        ch.pipeline().addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.pipeline().addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(true));
                requestHandlers(stream);
            }
        }));
    }

    private void requestHandlers(Channel ch) {
        ch.pipeline().addLast("web", new WebRequests(web));
        ch.pipeline().addLast("app-proxy", parts.appProxy().get());
    }

    /** The listener's event loops, for what should share them (direct connections to apps). */
    public EventLoopGroup eventLoops() {
        return group;
    }

    /**
     * Makes the end of a user's last app session on a node, login and grant close the connections
     * {@code connector} keeps for them ({@link AppConnector#closeFor}).
     */
    public void closeUpstreamWithSessions(AppConnector connector) {
        web.sessions().upstream(connector);
    }

    /** Closes {@code resource} on {@link #close}, after the connections and before the event loops (the app connector). */
    public void closeAfterChannels(AutoCloseable resource) {
        closeAfterChannels.add(resource);
    }

    /** Stops accepting connections; open ones go on until {@link #close}. */
    public void stopAccepting() {
        if (server != null) {
            server.close().syncUninterruptibly();
        }
    }

    /** Stops accepting, closes every connection, and stops the event loops (waits up to 5 s). */
    @Override
    public void close() {
        stopAccepting();
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        for (AutoCloseable c : closeAfterChannels) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} on stop: {}", c, e.toString());
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
