package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.config.HostPort;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Routes each request of one HTTP/1.1 connection or one HTTP/2 stream by its host: the console's
 * pages, the app gate (then the app proxy, next in the pipeline), or a 404 page for a name we do
 * not serve. The TLS SNI name and the {@code Host} (HTTP/2: {@code :authority}) must name the same
 * host, else 421 Misdirected Request (RFC 9110 section 15.5.20), so a connection set up for one
 * host (and its client certificate) is never used for another, which HTTP/2 connection reuse
 * across names sharing a certificate would otherwise do. Requests the gateway answers itself have
 * their bodies discarded; a request passed to the app goes on with its body unchanged, and
 * anything that is not HTTP (bytes after a WebSocket upgrade) passes through.
 */
final class WebRequests extends ChannelInboundHandlerAdapter {
    /** The SNI host name the client sent, lower case, on the connection channel; absent without SNI. */
    static final AttributeKey<String> SNI = AttributeKey.valueOf("gatehouse.sni");

    private enum Mode { IDLE, DISCARD, PASS, API }

    /** Most requests held while a console API call runs (pipelining); past it the connection is closed. */
    private static final int MAX_HELD = 32;

    private final WebContext web;
    private final ConsolePages console;
    private final AppGate gate;
    private Mode mode = Mode.IDLE;
    private final ConsoleApi api;
    /** Messages read while a console API call or stream is in flight, handled after it in order. */
    private final java.util.ArrayDeque<Object> held = new java.util.ArrayDeque<>();
    private boolean busy;
    private HttpVersion apiVersion;
    private ConsoleApi.Sink stream;

    WebRequests(WebContext web) {
        this.web = web;
        this.api = new ConsoleApi(web);
        this.console = new ConsolePages(web);
        this.gate = new AppGate(web);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (busy) {
            if (held.size() >= MAX_HELD) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            held.add(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            mode = Mode.IDLE;
            try {
                route(ctx, request);
            } catch (RuntimeException e) {
                ReferenceCountUtil.release(msg);
                throw e;
            }
            if (mode != Mode.PASS) {
                ReferenceCountUtil.release(msg);
                if (msg instanceof LastHttpContent) {
                    mode = Mode.IDLE;
                }
                if (!busy) {
                    readMore(ctx);
                }
            }
            return;
        }
        if (msg instanceof HttpContent content) {
            boolean last = content instanceof LastHttpContent;
            if (mode == Mode.PASS) {
                ctx.fireChannelRead(msg);
            } else if (mode == Mode.API) {
                FullHttpResponse refusal = api.content(content, ctx.alloc());
                ReferenceCountUtil.release(msg);
                if (refusal != null) {
                    answerConsole(ctx, apiVersion, false, refusal);
                    mode = Mode.DISCARD;
                } else if (last) {
                    dispatchApi(ctx);
                }
                if (!busy) {
                    readMore(ctx);
                }
            } else {
                ReferenceCountUtil.release(msg);
                readMore(ctx);
            }
            if (last) {
                mode = Mode.IDLE;
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void route(ChannelHandlerContext ctx, HttpRequest request) {
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            Throwable cause = decoded.cause();
            HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : HttpResponseStatus.BAD_REQUEST;
            answerAndClose(ctx, Html.page(ctx.alloc(), status, status.reasonPhrase(), "<p>The request was malformed or too large.</p>"));
            return;
        }
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() != 1 || HostRoute.withoutPort(hosts.get(0)) == null) {
            // RFC 9112 section 3.2: exactly one Host, else 400
            answerAndClose(ctx, Html.page(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, "Bad request",
                    "<p>The request must name exactly one host.</p>"));
            return;
        }
        String host = hosts.get(0);
        Channel connection = connection(ctx.channel());
        String sni = connection.attr(SNI).get();
        String name = HostRoute.withoutPort(host).toLowerCase(Locale.ROOT);
        if (sni != null && !sni.equals(name)) {
            answer(ctx, request, Html.page(ctx.alloc(), HttpResponseStatus.MISDIRECTED_REQUEST, "Misdirected request",
                    "<p>This connection was opened for " + Html.escape(sni) + ", not " + Html.escape(name)
                            + ". Your browser will retry on a new connection.</p>"));
            return;
        }
        String target = originForm(request.uri(), name);
        if (target == null) {
            answerAndClose(ctx, Html.page(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, "Bad request",
                    "<p>The request target must be a path on this host.</p>"));
            return;
        }
        request.setUri(target);
        WebRequest r = new WebRequest(request, HostPort.format(dev.gatehouse.gateway.balancer.ClientAddress.of(connection)), peer(connection));
        HostRoute route = HostRoute.of(host, web.site().hostname());
        if (route instanceof HostRoute.Console) {
            if (ConsoleApi.handles(r.path())) {
                mode = Mode.API;
                apiVersion = request.protocolVersion();
                FullHttpResponse refusal = api.begin(r, ctx.alloc());
                boolean expects = io.netty.handler.codec.http.HttpUtil.is100ContinueExpected(request)
                        && !(ctx.channel() instanceof Http2StreamChannel);
                if (refusal != null && expects) {
                    // the client waits for our word before sending the body: refuse and close, so
                    // no unsent body is ever taken for the next request
                    answerAndClose(ctx, refusal);
                    return;
                }
                if (expects) {
                    // RFC 9110 section 10.1.1: curl waits a second for this before sending a body over 1 KiB
                    ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                            HttpResponseStatus.CONTINUE, io.netty.buffer.Unpooled.EMPTY_BUFFER));
                }
                if (refusal == null && request instanceof HttpContent c) {
                    refusal = api.content(c, ctx.alloc());
                }
                if (refusal != null) {
                    answer(ctx, request, refusal);
                } else if (request instanceof LastHttpContent) {
                    dispatchApi(ctx);
                }
                return;
            }
            java.util.concurrent.CompletableFuture<FullHttpResponse> later = console.later(r, ctx.alloc());
            if (later == null) {
                FullHttpResponse page = console.answer(r, ctx.alloc());
                dev.gatehouse.gateway.web.console.ConsoleHeaders.apply(page.headers(), false);
                answer(ctx, request, page);
                return;
            }
            mode = Mode.DISCARD;
            HttpVersion version = request.protocolVersion();
            boolean head = io.netty.handler.codec.http.HttpMethod.HEAD.equals(request.method());
            later.whenComplete((res, failure) -> ctx.executor().execute(() -> {
                FullHttpResponse out = res != null ? res : Html.page(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "Error", "<p>The login could not be finished.</p>");
                if (!ctx.channel().isActive()) {
                    out.release();
                    return;
                }
                dev.gatehouse.gateway.web.console.ConsoleHeaders.apply(out.headers(), false);
                send(ctx, version, head, out);
            }));
        } else if (route instanceof HostRoute.App app) {
            AppGate.Verdict v = gate.judge(r, app, ctx.alloc());
            if (v.answer() != null) {
                answer(ctx, request, v.answer());
                return;
            }
            AppSession s = v.session();
            ctx.channel().attr(AppSessionContext.ATTR).set(s);
            s.attach(ctx.channel());
            if (connection != ctx.channel()) {
                s.attach(connection);
            }
            mode = Mode.PASS;
            ctx.fireChannelRead(request);
        } else {
            answer(ctx, request, Html.page(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "Unknown host",
                    "<p>This gateway serves no site named <code>" + Html.escape(name) + "</code>.</p>"));
        }
    }

    /**
     * The request target in origin form ({@code /path?query}, RFC 9112 section 3.2.1), the only form
     * the gate judges and the app receives: an absolute-form target ({@code https://host/path},
     * section 3.2.2) becomes its path and query when its authority names {@code host} (the
     * {@code Host} name, lower case); null for one naming another host or carrying user info,
     * and for any other form (authority-form, asterisk-form, a bare word), which no app host serves.
     */
    static String originForm(String uri, String host) {
        if (uri.startsWith("/")) {
            return uri;
        }
        String lower = uri.toLowerCase(Locale.ROOT);
        int start = lower.startsWith("https://") ? 8 : lower.startsWith("http://") ? 7 : -1;
        if (start < 0) {
            return null;
        }
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
            end++;
        }
        String authority = uri.substring(start, end);
        String name = authority.contains("@") ? null : HostRoute.withoutPort(authority);
        if (name == null || !name.toLowerCase(Locale.ROOT).equals(host)) {
            return null;
        }
        String rest = uri.substring(end);
        return rest.startsWith("/") ? rest : "/" + rest;
    }

    /**
     * Runs the console API call whose body is complete: no reads until it is answered, then the
     * answer (or the stream's head) on this event loop, then the requests held meanwhile.
     */
    private void dispatchApi(ChannelHandlerContext ctx) {
        WebRequest r = api.take();
        byte[] body = api.takeBody();
        if (r == null) {
            return;
        }
        busy = true;
        boolean autoRead = ctx.channel().config().isAutoRead();
        ctx.channel().config().setAutoRead(false);
        HttpVersion version = apiVersion;
        boolean head = ConsoleApi.head(r);
        api.dispatch(ctx, r, body, a -> {
            if (!ctx.channel().isActive()) {
                idle(ctx, autoRead);
                return;
            }
            if (a.response() instanceof dev.gatehouse.gateway.web.console.ApiResponse.Stream s) {
                // reads go on (a client that leaves is noticed); new requests are held until the stream ends
                ctx.channel().config().setAutoRead(autoRead);
                stream = ConsoleApi.stream(ctx, version, s, web.console().pool(), () -> {
                    stream = null;
                    idle(ctx, autoRead);
                });
                return;
            }
            answerConsole(ctx, version, head, ConsoleApi.full(ctx.alloc(), a, true));
            idle(ctx, autoRead);
        });
    }

    /** The API call is over: reads resume, and the requests held meanwhile are handled in order. */
    private void idle(ChannelHandlerContext ctx, boolean autoRead) {
        busy = false;
        ctx.channel().config().setAutoRead(autoRead);
        while (!busy && !held.isEmpty()) {
            channelRead(ctx, held.poll());
        }
        if (!busy) {
            readMore(ctx);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ConsoleApi.Sink s = stream;
        if (s != null) {
            s.writabilityChanged();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
        super.channelInactive(ctx);
    }

    private static void answerConsole(ChannelHandlerContext ctx, HttpVersion version, boolean head, FullHttpResponse response) {
        send(ctx, version, head, response);
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest request, FullHttpResponse response) {
        mode = Mode.DISCARD;
        send(ctx, request.protocolVersion(), io.netty.handler.codec.http.HttpMethod.HEAD.equals(request.method()), response);
    }

    private static void send(ChannelHandlerContext ctx, HttpVersion version, boolean head, FullHttpResponse response) {
        response.setProtocolVersion(version.equals(HttpVersion.HTTP_1_0) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
        if (head) {
            response.content().clear();
        }
        ctx.writeAndFlush(response);
    }

    private void answerAndClose(ChannelHandlerContext ctx, FullHttpResponse response) {
        mode = Mode.DISCARD;
        response.headers().set(HttpHeaderNames.CONNECTION, "close");
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Asks for the next message after consuming one ourselves: the app proxy turns {@code autoRead}
     * off and reads only for what reaches it, so a request (or body) the gateway answered or
     * discarded would otherwise leave a keep-alive connection waiting forever.
     */
    private static void readMore(ChannelHandlerContext ctx) {
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    /** The TCP connection a request came on: the channel itself, or an HTTP/2 stream's parent. */
    static Channel connection(Channel channel) {
        return channel instanceof Http2StreamChannel ? channel.parent() : channel;
    }

    /** The verified client certificate of the connection, or null. */
    private static X509Certificate peer(Channel connection) {
        SslHandler ssl = connection.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
