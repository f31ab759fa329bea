package dev.gatehouse.gateway.ops;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code /metrics}, {@code /healthz} and {@code /readyz} (GET or HEAD); any other path is
 * 404, another method on these paths 405 with {@code Allow}, a request the codec could not parse 400.
 * Before any of that, the {@code Host} is judged ({@link OpsHosts}): a request naming another host
 * (DNS rebinding) gets 421 Misdirected Request (RFC 9110 section 15.5.20), one without a usable
 * {@code Host} 400, both with a one-line plain-text body and a closed connection; the first
 * refusal is logged at WARN, further ones at most once a minute, with how many were not logged.
 */
@ChannelHandler.Sharable
final class OpsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(OpsHandler.class);
    /** The Prometheus text exposition format's content type (version 0.0.4). */
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final Set<String> PATHS = Set.of("/metrics", "/healthz", "/readyz");

    /** How often at most a refused {@code Host} is logged. */
    static final long REFUSAL_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final OpsMetrics metrics;
    private final Readiness readiness;
    private final OpsHosts hosts;
    private final LongSupplier nanos;
    private final Object logLock = new Object();
    private boolean loggedOnce;
    private long lastLog;
    private long unlogged;

    /**
     * @param hosts which {@code Host} values are answered
     * @param nanos a monotonic clock in nanoseconds ({@link System#nanoTime()}), for the refusal log's rate
     */
    OpsHandler(OpsMetrics metrics, Readiness readiness, OpsHosts hosts, LongSupplier nanos) {
        this.metrics = metrics;
        this.readiness = readiness;
        this.hosts = hosts;
        this.nanos = nanos;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8", "bad request\n", false);
            return;
        }
        OpsHosts.Verdict verdict = hosts.check(request.headers(), request.protocolVersion());
        if (verdict != OpsHosts.Verdict.ALLOWED) {
            refuse(ctx, request, verdict);
            return;
        }
        String uri = request.uri();
        int query = uri.indexOf('?');
        String path = query >= 0 ? uri.substring(0, query) : uri;
        if (!PATHS.contains(path)) {
            respond(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                    "not found: this listener serves /metrics, /healthz and /readyz\n", true);
            return;
        }
        if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
            FullHttpResponse r = response(request, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                    "method not allowed: use GET or HEAD\n");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, request, r, true);
            return;
        }
        switch (path) {
            case "/metrics" -> respond(ctx, request, HttpResponseStatus.OK, PROMETHEUS_TEXT, scrape(), true);
            case "/healthz" -> respond(ctx, request, HttpResponseStatus.OK, "text/plain; charset=utf-8", "ok\n", true);
            default -> {
                Optional<String> problem = readiness.problem();
                if (problem.isEmpty()) {
                    respond(ctx, request, HttpResponseStatus.OK, "text/plain; charset=utf-8", "ready\n", true);
                } else {
                    respond(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
                            "not ready: " + oneLine(problem.get()) + "\n", true);
                }
            }
        }
    }

    private void refuse(ChannelHandlerContext ctx, FullHttpRequest request, OpsHosts.Verdict verdict) {
        logRefusal(ctx, request, verdict);
        if (verdict == OpsHosts.Verdict.FOREIGN) {
            respond(ctx, request, HttpResponseStatus.MISDIRECTED_REQUEST, "text/plain; charset=utf-8",
                    "misdirected request: this listener answers only an IP address, localhost or a name in ops.hosts as Host\n",
                    false);
        } else {
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8",
                    "bad request: a single Host header naming this listener is required\n", false);
        }
    }

    /** The first refusal, then at most one a minute, each with the number of refusals not logged before it. */
    private void logRefusal(ChannelHandlerContext ctx, FullHttpRequest request, OpsHosts.Verdict verdict) {
        long now = nanos.getAsLong();
        long skipped;
        synchronized (logLock) {
            if (loggedOnce && now - lastLog < REFUSAL_LOG_INTERVAL_NANOS) {
                unlogged++;
                return;
            }
            loggedOnce = true;
            lastLog = now;
            skipped = unlogged;
            unlogged = 0;
        }
        java.util.List<String> all = request.headers().getAll(HttpHeaderNames.HOST);
        String host = all.isEmpty() ? "(none)" : "'" + oneLine(dev.gatehouse.policy.Printable.shorten(String.join("', '", all), 200)) + "'";
        LOG.warn("ops: refused {} {} with Host {} from {} ({}; a web page rebinding its name to this host looks like this,"
                + " so does a scraper using a name missing from ops.hosts); {} more refused since the last such line,"
                + " logged at most once a minute", verdict == OpsHosts.Verdict.FOREIGN ? 421 : 400, request.protocolVersion(),
                host, ctx.channel().remoteAddress(),
                verdict == OpsHosts.Verdict.FOREIGN ? "not an IP address, localhost or a name in ops.hosts" : "missing or malformed",
                skipped);
    }

    private String scrape() {
        try {
            return metrics.scrape();
        } catch (RuntimeException e) {
            LOG.warn("metrics scrape failed: {}", e.toString());
            throw e;
        }
    }

    /** The reason as one printable line: it comes from exception messages. */
    static String oneLine(String text) {
        return dev.gatehouse.policy.Printable.escape(text.replace('\n', ' ').replace('\r', ' '));
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String type,
            String body, boolean keepAlive) {
        send(ctx, request, response(request, status, type, body), keepAlive);
    }

    private static FullHttpResponse response(FullHttpRequest request, HttpResponseStatus status, String type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        boolean head = HttpMethod.HEAD.equals(request.method());
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r; // Cache-Control and X-Content-Type-Options: OpsResponseHeaders, for every answer
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response, boolean keepAlive) {
        boolean keep = keepAlive && HttpUtil.isKeepAlive(request);
        if (keep) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("ops connection failed: {}", cause.toString());
        if (ctx.channel().isActive()) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    Unpooled.copiedBuffer("internal error\n", StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
