package dev.gatehouse.gateway.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.gateway.access.AccessService;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.web.console.ApiError;
import dev.gatehouse.gateway.web.console.ApiRequest;
import dev.gatehouse.gateway.web.console.ApiResponse;
import dev.gatehouse.gateway.web.console.ApiRoutes;
import dev.gatehouse.gateway.web.console.ApiTokens;
import dev.gatehouse.gateway.web.console.ConsoleHeaders;
import dev.gatehouse.gateway.web.console.ConsoleJson;
import dev.gatehouse.gateway.web.console.ConsoleViewer;
import dev.gatehouse.gateway.web.console.CsrfTokens;
import dev.gatehouse.gateway.web.console.InstanceTokens;
import dev.gatehouse.recorder.StoreUnavailableException;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's front controller for {@code /api/v1/*} on one channel (an HTTP/1.1 connection or
 * an HTTP/2 stream). It collects the request body (JSON only, at most {@value #MAX_BODY} bytes,
 * else 413), then on the gateway's command pool: authenticates the caller (the console cookie, or
 * {@code Authorization: Bearer} with an api-token, RFC 6750 section 2.1), re-checks their identity
 * and locks, applies the browser rules ({@code Origin}, {@code Sec-Fetch-Site} with the cookie, the
 * CSRF token of state-changing calls), routes through
 * {@link ApiRoutes} and runs the endpoint; the answer is written back on the channel's event loop
 * with the console's security headers and {@code Cache-Control: no-store}. Errors are JSON
 * {@code {"error": CODE, "message": TEXT}}; refused credentials, Origins and CSRF tokens are
 * {@code api.refused} audit events.
 *
 * <p>While a call runs the channel reads nothing more (HTTP/1.1 answers in order); requests already
 * decoded meanwhile (pipelining) are held and handled after it, in order.
 */
final class ConsoleApi {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleApi.class);
    /** Largest request body, in bytes. */
    static final int MAX_BODY = 64 * 1024;
    /** Methods that change state: they need the console Origin and the CSRF token with cookie auth. */
    static final Set<String> STATE_CHANGING = Set.of("POST", "PUT", "PATCH", "DELETE");

    /** What a call answers, and headers beyond the usual ones ({@code Allow}, {@code WWW-Authenticate}). */
    record Answer(ApiResponse response, Map<String, String> headers) {
        static Answer of(ApiResponse r) {
            return new Answer(r, Map.of());
        }
    }

    private final WebContext web;
    private WebRequest pending;
    private ByteArrayOutputStream body;
    private boolean tooLarge;

    ConsoleApi(WebContext web) {
        this.web = web;
    }

    /** Whether {@code path} is an API path this controller serves. */
    static boolean handles(String path) {
        return path.equals("/api/v1") || path.startsWith("/api/v1/") || internal(path);
    }

    /** Whether {@code path} is for other gateway instances only ({@code /internal/v1/...}, instance tokens only). */
    static boolean internal(String path) {
        return path.startsWith(INTERNAL);
    }

    /** The prefix of the paths other instances call (issue 13), with an instance token and nothing else. */
    static final String INTERNAL = "/internal/v1/";

    /**
     * Starts a call; its body follows in {@link #content}. A declared {@code Content-Length} over
     * {@link #MAX_BODY} is refused at once.
     *
     * @return the refusal to send now (the body is then discarded), or null to go on
     */
    FullHttpResponse begin(WebRequest r, ByteBufAllocator alloc) {
        pending = r;
        body = new ByteArrayOutputStream();
        tooLarge = false;
        long declared = HttpUtil.getContentLength(r.request(), -1L);
        if (declared > MAX_BODY) {
            pending = null;
            return tooLarge(alloc);
        }
        return null;
    }

    /**
     * Adds a piece of the body. @return the refusal to send now (413, the rest is then discarded),
     * or null; on the last piece the call is dispatched through {@code dispatch}
     */
    FullHttpResponse content(HttpContent c, ByteBufAllocator alloc) {
        if (pending == null) {
            return null;
        }
        int n = c.content().readableBytes();
        if (body.size() + n > MAX_BODY) {
            pending = null;
            return tooLarge(alloc);
        }
        byte[] bytes = new byte[n];
        c.content().getBytes(c.content().readerIndex(), bytes);
        body.writeBytes(bytes);
        return null;
    }

    /** The request whose body is complete, and its body; clears the state. */
    WebRequest take() {
        WebRequest r = pending;
        pending = null;
        return r;
    }

    byte[] takeBody() {
        byte[] b = body == null ? new byte[0] : body.toByteArray();
        body = null;
        return b;
    }

    private static FullHttpResponse tooLarge(ByteBufAllocator alloc) {
        return full(alloc, Answer.of(error(new ApiError(413, "too_large", "the request body is larger than " + MAX_BODY
                + " bytes"))), true);
    }

    /**
     * Runs the call on the command pool and hands its answer to {@code done} on the channel's event
     * loop; a full pool answers 503 at once.
     */
    void dispatch(ChannelHandlerContext ctx, WebRequest r, byte[] bytes, java.util.function.Consumer<Answer> done) {
        try {
            web.console().pool().execute(() -> {
                Answer a = call(r, bytes);
                ctx.executor().execute(() -> done.accept(a));
            });
        } catch (RejectedExecutionException e) {
            done.accept(Answer.of(error(ApiError.unavailable("the gateway is too busy; try again"))));
        }
    }

    /** Authenticates, checks, routes and runs one call (on the command pool). */
    Answer call(WebRequest r, byte[] bytes) {
        String method = r.request().method().name();
        String path = r.path();
        try {
            ConsoleViewer viewer = internal(path) ? authenticateInstance(r) : authenticate(r);
            checkOrigin(r, viewer, method, path);
            String lookup = method.equals("HEAD") ? "GET" : method;
            Optional<ApiRoutes.Match> match = web.console().routes().match(lookup, path);
            if (match.isEmpty()) {
                List<String> allowed = web.console().routes().methodsFor(path);
                if (allowed.isEmpty()) {
                    return Answer.of(error(ApiError.notFound("there is no API endpoint " + WebContext.clip(path))));
                }
                return new Answer(error(new ApiError(405, "method_not_allowed", method + " is not allowed on " + WebContext.clip(path)
                        + "; use " + String.join(", ", allowed))), Map.of("Allow", String.join(", ", allowed)));
            }
            JsonNode json = json(r, bytes);
            Map<String, List<String>> query = new QueryStringDecoder(r.request().uri()).parameters();
            ApiRequest request = new ApiRequest(method, path, match.get().params(), query, json, viewer,
                    r.request().headers().get(io.netty.handler.codec.http.HttpHeaderNames.ACCEPT));
            return Answer.of(match.get().endpoint().handle(request));
        } catch (Unauthenticated e) {
            return new Answer(error(new ApiError(401, "unauthenticated", e.getMessage())),
                    Map.of("WWW-Authenticate", "Bearer realm=\"gatehouse\""));
        } catch (ApiError e) {
            return Answer.of(error(e));
        } catch (AccessService.Refused e) {
            return Answer.of(error(new ApiError(403, "forbidden", e.getMessage())));
        } catch (StoreUnavailableException e) {
            LOG.warn("console API {} {}: the store is unavailable: {}", method, WebContext.clip(path), e.getMessage());
            return Answer.of(error(ApiError.unavailable("the audit store is unavailable; nothing was changed, try again later")));
        } catch (RuntimeException e) {
            LOG.error("console API {} {} failed", method, WebContext.clip(path), e);
            return Answer.of(error(new ApiError(500, "internal", "the gateway could not answer; see its log")));
        }
    }

    /** A 401 (with {@code WWW-Authenticate}, RFC 6750 section 3). */
    private static final class Unauthenticated extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unauthenticated(String message) {
            super(message, null, false, false);
        }
    }

    /** The caller, from the bearer token if an {@code Authorization} header is sent, else the console cookie. */
    private ConsoleViewer authenticate(WebRequest r) {
        String authorization = r.request().headers().get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null) {
            if (authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw refused(null, r, "the Authorization header must be 'Bearer TOKEN' with a token from 'api-token'");
            }
            ApiTokens tokens = web.console().tokens();
            if (tokens == null) {
                throw refused(null, r, "API tokens are not set up on this gateway");
            }
            ApiTokens.Check check = tokens.verify(authorization.substring(7).trim());
            if (check.token().isEmpty()) {
                throw refused(check.user(), r, check.refusal());
            }
            ApiTokens.Token t = check.token().get();
            return viewer(r, new Identity(t.user(), t.keyFingerprint(), r.source()), "token", t.id(), t.expires());
        }
        String value = r.cookie(SessionCookies.CONSOLE);
        if (value == null) {
            throw new Unauthenticated("log in first: run '" + web.site().webLoginCommand()
                    + "' and open the link, or send 'Authorization: Bearer TOKEN' with a token from 'api-token'");
        }
        SessionCookies.Verdict v = web.cookies().verify(value, web.site().hostname());
        if (v.claims().isEmpty()) {
            throw refused(null, r, v.refusal());
        }
        SessionCookies.Claims c = v.claims().get();
        return viewer(r, new Identity(c.user(), c.keyFingerprint(), r.source()), "cookie", c.webSession(), c.expires());
    }

    /**
     * The viewer another instance calls for, from its instance token ({@link InstanceTokens}) and
     * nothing else: a console cookie or an api-token on an internal path is refused (audited), as
     * is a token that is forged, expired, replayed or for another audience. The viewer is then
     * judged under this instance's own policy and locks, like any caller, and their tenant here
     * must be the one the calling instance judged.
     */
    private ConsoleViewer authenticateInstance(WebRequest r) {
        String authorization = r.request().headers().get(HttpHeaderNames.AUTHORIZATION);
        if (authorization == null || authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw refused(null, r, "this path is for other gateway instances only: send 'Authorization: Bearer' with an"
                    + " instance token (a console cookie or an api-token is refused)");
        }
        ApiTokens tokens = web.console().tokens();
        if (tokens == null) {
            throw refused(null, r, "instance tokens are not set up on this gateway");
        }
        InstanceTokens.Check check = tokens.instanceTokens().verify(authorization.substring(7).trim());
        if (check.claims() == null) {
            throw refused(null, r, check.refusal());
        }
        InstanceTokens.Claims c = check.claims();
        ConsoleViewer viewer = viewer(r, new Identity(c.user(), c.keyFingerprint(), c.source()), "instance", c.id(), c.expires());
        if (!java.util.Objects.equals(viewer.tenant(), c.tenant())) {
            throw refused(c.user(), r, "instance " + c.instance() + " judged " + c.user() + " in tenant "
                    + (c.tenant() == null ? "(none)" : c.tenant()) + ", this instance's policy in "
                    + (viewer.tenant() == null ? "(none)" : viewer.tenant()) + "; the instances' policies differ");
        }
        return viewer;
    }

    private ConsoleViewer viewer(WebRequest r, Identity id, String via, String credential, java.time.Instant expires) {
        Optional<String> problem = web.identityProblem(id);
        if (problem.isPresent()) {
            throw refused(id.user(), r, problem.get());
        }
        return new ConsoleViewer(id.user(), web.tenantOf(id.user()), web.holder().current().evaluator().permissions(id.user()), via,
                credential, id.keyFingerprint() == null ? "" : id.keyFingerprint(), r.source(), expires);
    }

    /** An audited 401. */
    private Unauthenticated refused(String user, WebRequest r, String why) {
        audit(user, r, "credential", why);
        return new Unauthenticated(why);
    }

    /**
     * The browser rules. Any call that carries an {@code Origin} other than the console's is
     * refused (a page of another origin gains nothing from the browser, with the cookie or with a
     * token it holds). A call with the cookie is refused when the browser says another page sent it
     * ({@code Sec-Fetch-Site} {@code same-site} or {@code cross-site}, W3C Fetch Metadata section
     * 2.1): the app hosts share the console's site, so {@code SameSite=Strict} lets their pages make
     * the browser send the console cookie, even on a {@code GET} with an effect (a
     * {@code recording.viewed} event, an observation the user is told about). State-changing calls
     * with the cookie also need {@code Origin} itself and the session's {@code X-CSRF-Token}.
     */
    private void checkOrigin(WebRequest r, ConsoleViewer viewer, String method, String path) {
        String origin = r.request().headers().get(HttpHeaderNames.ORIGIN);
        String mine = web.site().consoleOrigin();
        boolean cookie = viewer.via().equals("cookie");
        if (origin != null && !origin.equals(mine)) {
            String why = "Origin " + WebContext.clip(origin) + " is not the console's (" + mine + ")"
                    + (cookie ? "" : "; API tokens are not for other sites' pages");
            audit(viewer.user(), r, "origin", why);
            throw ApiError.forbidden(why);
        }
        String site = r.fetchSite();
        if (cookie && site != null && !site.equals("same-origin") && !site.equals("none")) {
            String why = "a call with the console cookie from another page (Sec-Fetch-Site: " + WebContext.clip(site)
                    + ") is refused: the API answers the console's own pages, or a bearer token";
            audit(viewer.user(), r, "fetch-site", why);
            throw ApiError.forbidden(why);
        }
        if (!STATE_CHANGING.contains(method) || !cookie) {
            return;
        }
        if (origin == null) {
            String why = "a state-changing call with the console cookie must carry the Origin header";
            audit(viewer.user(), r, "origin", why);
            throw ApiError.forbidden(why);
        }
        if (!web.console().csrf().matches(viewer.credentialId(), r.request().headers().get(CsrfTokens.HEADER))) {
            String why = "missing or wrong " + CsrfTokens.HEADER + " header: send the csrf_token of GET /api/v1/whoami";
            audit(viewer.user(), r, "csrf", why);
            throw ApiError.forbidden(why);
        }
    }

    private void audit(String user, WebRequest r, String check, String why) {
        web.audit().append(web.audit().event(EventType.API_REFUSED, "denied").withUser(user).withSource(r.source())
                .with("method", r.request().method().name()).with("path", WebContext.clip(r.path()))
                .with("check", check).with("reason", why));
    }

    /** The body as JSON: an object; none is an empty object; anything but {@code application/json} is 415. */
    private static JsonNode json(WebRequest r, byte[] bytes) {
        if (bytes.length == 0) {
            return ConsoleJson.MAPPER.createObjectNode();
        }
        String type = r.request().headers().get(HttpHeaderNames.CONTENT_TYPE);
        String base = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!base.equals("application/json")) {
            throw new ApiError(415, "unsupported_media_type", "the request body must be JSON (Content-Type: application/json)");
        }
        JsonNode node;
        try {
            node = ConsoleJson.MAPPER.readTree(bytes);
        } catch (java.io.IOException e) {
            throw ApiError.badRequest("the request body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw ApiError.badRequest("the request body must be a JSON object");
        }
        return node;
    }

    static ApiResponse error(ApiError e) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("error", e.code());
        o.put("message", e.getMessage());
        return new ApiResponse.Json(e.status(), o);
    }

    /** A complete response for a {@link ApiResponse.Json} or {@link ApiResponse.Body} answer. */
    static FullHttpResponse full(ByteBufAllocator alloc, Answer a, boolean api) {
        byte[] bytes;
        int status;
        String type;
        String fileName = null;
        if (a.response() instanceof ApiResponse.Json j) {
            status = j.status();
            type = "application/json";
            try {
                bytes = ConsoleJson.MAPPER.writeValueAsBytes(j.value());
            } catch (JsonProcessingException e) {
                LOG.error("cannot write a console API answer as JSON", e);
                status = 500;
                bytes = "{\"error\":\"internal\",\"message\":\"the answer could not be written\"}".getBytes(StandardCharsets.UTF_8);
            }
        } else if (a.response() instanceof ApiResponse.Body b) {
            status = b.status();
            type = b.contentType();
            bytes = b.bytes();
            fileName = b.fileName();
        } else {
            throw new IllegalArgumentException("a stream is not a complete response");
        }
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                alloc.buffer(bytes.length).writeBytes(bytes));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        HttpUtil.setContentLength(res, bytes.length);
        if (fileName != null) {
            res.headers().set(HttpHeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + fileName.replaceAll("[^A-Za-z0-9._-]", "_") + "\"");
        }
        a.headers().forEach((k, v) -> res.headers().set(k, v));
        ConsoleHeaders.apply(res.headers(), api);
        return res;
    }

    /**
     * Sends a stream's head, then starts its writer (on the command pool) with a sink bound to the
     * channel; {@code ended} runs on the event loop once the stream is over (closed by the writer,
     * or the client gone).
     */
    static Sink stream(ChannelHandlerContext ctx, HttpVersion version, ApiResponse.Stream s, java.util.concurrent.Executor pool,
            Runnable ended) {
        HttpResponse head = new DefaultHttpResponse(version.equals(HttpVersion.HTTP_1_0) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
                HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, s.contentType());
        HttpUtil.setTransferEncodingChunked(head, true);
        ConsoleHeaders.apply(head.headers(), true);
        Sink sink = new Sink(ctx.channel(), ended);
        ctx.writeAndFlush(head);
        ctx.channel().closeFuture().addListener(f -> sink.gone());
        try {
            pool.execute(() -> {
                try {
                    s.start().accept(sink);
                } catch (RuntimeException e) {
                    LOG.error("console API stream failed", e);
                    sink.close();
                }
            });
        } catch (RejectedExecutionException e) {
            sink.close();
        }
        return sink;
    }

    /**
     * The writing end of a streamed answer. Writes from other threads wait while the channel is not
     * writable (the client reads slowly), up to {@link #SLOW}; a client that stays behind longer is
     * cut off, so a slow reader never holds memory without bound.
     */
    static final class Sink implements ApiResponse.StreamSink {
        static final long SLOW = 10_000;
        private final Channel channel;
        private final Runnable ended;
        private final AtomicBoolean closed = new AtomicBoolean();
        private final List<Runnable> listeners = new ArrayList<>();
        private final Object writable = new Object();

        Sink(Channel channel, Runnable ended) {
            this.channel = channel;
            this.ended = ended;
        }

        @Override
        public boolean write(String text) {
            if (closed.get() || !channel.isActive()) {
                gone();
                return false;
            }
            if (!channel.eventLoop().inEventLoop() && !awaitWritable()) {
                LOG.info("console API stream to {} cut off: the client reads too slowly", dev.gatehouse.gateway.balancer.ClientAddress.of(channel));
                channel.close();
                gone();
                return false;
            }
            channel.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
            return true;
        }

        /** Netty's writability: a streamer that polls this instead of blocking in {@link #write} holds no thread. */
        @Override
        public boolean writable() {
            return channel.isWritable() || !channel.isActive();
        }

        private boolean awaitWritable() {
            long deadline = System.nanoTime() + SLOW * 1_000_000L;
            synchronized (writable) {
                while (!channel.isWritable() && channel.isActive()) {
                    long left = (deadline - System.nanoTime()) / 1_000_000L;
                    if (left <= 0) {
                        return false;
                    }
                    try {
                        writable.wait(left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
            }
            return channel.isActive();
        }

        /** Wakes writers waiting for writability (called by the handler on writability changes and on close). */
        void writabilityChanged() {
            synchronized (writable) {
                writable.notifyAll();
            }
        }

        @Override
        public void close() {
            if (channel.isActive() && !closed.get()) {
                channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            gone();
        }

        /** Marks the stream over and runs the close listeners and {@code ended}, once. */
        void gone() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            writabilityChanged();
            List<Runnable> run;
            synchronized (listeners) {
                run = List.copyOf(listeners);
                listeners.clear();
            }
            for (Runnable l : run) {
                try {
                    l.run();
                } catch (RuntimeException e) {
                    LOG.warn("console API stream close listener failed: {}", e.toString());
                }
            }
            channel.eventLoop().execute(ended);
        }

        @Override
        public void onClose(Runnable r) {
            boolean now;
            synchronized (listeners) {
                now = closed.get();
                if (!now) {
                    listeners.add(r);
                }
            }
            if (now) {
                r.run();
            }
        }
    }

    /** Whether a HEAD request asked (no body in the answer). */
    static boolean head(WebRequest r) {
        return HttpMethod.HEAD.equals(r.request().method());
    }
}
