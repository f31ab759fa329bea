package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.web.AppConnector;
import dev.gatehouse.gateway.web.AppSessionContext;
import dev.gatehouse.gateway.web.AppStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Relays one client connection's HTTP/1.1 requests to the app of its app session, and the app's
 * responses back, streaming: every {@link HttpContent} is forwarded and flushed as it arrives (no
 * aggregation, no body cap), so server-sent events reach the browser as the app produces them.
 *
 * <p><b>What it needs in the pipeline.</b> Before it, a codec that turns the client's bytes into
 * {@link HttpObject}s: {@link HttpServerCodec} on an HTTP/1.1 connection, or
 * {@code Http2StreamFrameToHttpObjectCodec} on an HTTP/2 stream's child channel. On the channel,
 * the {@link AppSessionContext} ({@link AppSessionContext#ATTR}) before the first request reaches
 * this handler. One instance per channel (it holds the connection's state). The bootstrap should
 * set a {@code WriteBufferWaterMark}: this handler reads the app's next chunk only once the
 * client took the previous one and the channel is writable.
 *
 * <p><b>What it does.</b> At the first request it opens an {@link AppStream} with
 * {@link AppConnector#open} and reuses it for the requests that follow (keep-alive); when the app
 * closes it, the next request opens a new one. Request heads are rewritten by
 * {@link RequestHeaders} (hop-by-hop fields, the identity assertion, the gateway's cookies,
 * {@code X-Forwarded-*}), response heads by {@link ResponseHeaders} ({@code Location},
 * {@code Set-Cookie}). A WebSocket upgrade (RFC 6455 section 4) on an HTTP/1.1 connection goes to
 * the app as an HTTP/1.1 upgrade; at the app's {@code 101} this handler hands the connection to a
 * {@link WebSocketRelay}. Each request is an {@code app.request} audit event.
 *
 * <p><b>Flow control.</b> It sets {@code autoRead} off and reads the client only when the previous
 * piece has been written to the app (one {@link AppStream#write} outstanding); it asks the app for
 * more ({@code more}) only once the client's write completed and the channel is writable. So a
 * client that stops reading stops the app, and memory stays within a chunk or so per direction.
 * Requests are answered one at a time; a pipelined request waits for the previous response.
 *
 * <p><b>Errors.</b> The app unreachable: {@code 502} naming the stage that failed. The app session
 * ended: {@code 403} with the reason (and {@code app.denied}). The audit store down (and
 * {@code fail_closed}): {@code 503}, as no request may pass unrecorded. The app failing mid-response: the
 * client connection is closed, as a truncated body must not look complete.
 */
public final class AppProxyHandler extends ChannelInboundHandlerAdapter implements Upstream.Sink {
    private final AppConnector connector;
    private final ProxyAudit audit;
    private final String hostname;
    private final int publicPort;

    private ChannelHandlerContext ctx;
    private AppSessionContext session;
    private ResponseHeaders responseHeaders;
    /** Client objects read but not yet relayed (one read's worth at most). */
    private final ArrayDeque<HttpObject> inbound = new ArrayDeque<>();
    /**
     * The session each request in {@link #inbound} was admitted under, in order: read from the
     * channel as the request arrives, since the front judges (and sets the channel's session for)
     * pipelined requests before this handler starts them.
     */
    private final java.util.LinkedList<AppSessionContext> admittedUnder = new java.util.LinkedList<>(); // null: none
    private boolean readRequested;
    private Upstream upstream;
    private boolean connecting;
    private boolean writingUpstream;
    /** The current request's head, rewritten, until it is written to the app. */
    private HttpRequest pendingHead;
    /** A {@link #pump} is queued on the event loop to run after the current read batch. */
    private boolean pumpScheduled;
    private Exchange exchange;
    private final ClientPace pace = new ClientPace();
    private boolean closed;

    /**
     * @param connector opens streams to apps (SSH tunnel or direct)
     * @param audit where {@code app.request}, {@code app.websocket} and {@code app.denied} go
     * @param clock for request durations
     * @param hostname the gateway's public host name ({@code web.hostname}); apps are at {@code APP--NODE.apps.HOSTNAME}
     * @param publicPort the port browsers reach the gateway on (for rewritten {@code Location}s)
     */
    public AppProxyHandler(AppConnector connector, AuditTrail audit, Clock clock, String hostname, int publicPort) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.audit = new ProxyAudit(Objects.requireNonNull(audit, "audit"), Objects.requireNonNull(clock, "clock"));
        this.hostname = Objects.requireNonNull(hostname, "hostname");
        this.publicPort = publicPort;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.channel().config().setAutoRead(false);
        if (ctx.channel().isActive()) {
            pump();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        pump();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            admittedUnder.add(ctx.channel().attr(AppSessionContext.ATTR).get());
        }
        if (msg instanceof FullHttpRequest full) {
            // Split so that a head always travels alone: the same path for HTTP/1.1 and HTTP/2.
            HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            head.setDecoderResult(full.decoderResult());
            inbound.add(head);
            inbound.add(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
        } else {
            inbound.add((HttpObject) msg);
        }
        // Once the whole read batch is in (also outside a read cycle: a front that held the first
        // request to route it may pass it on later): a GET's head and its empty end, decoded from one
        // segment, then go to the app in one write. Sent apart, an app that answers the head at once
        // finds the request unfinished and the connection has to close (no keep-alive).
        schedulePump();
    }

    private void schedulePump() {
        if (!pumpScheduled) {
            pumpScheduled = true;
            ctx.executor().execute(() -> {
                pumpScheduled = false;
                pump();
            });
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        readRequested = false;
        pump();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        pace.writabilityChanged(ctx.channel());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        shutdown("the client closed the connection");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        shutdown("the client connection failed: " + cause.getMessage());
        ctx.close();
    }

    // ---- client to app -------------------------------------------------------------------------

    /** Relays what can be relayed now, then asks the client for more if this handler wants it. */
    private void pump() {
        while (!closed && !inbound.isEmpty()) {
            HttpObject msg = inbound.peek();
            if (msg instanceof HttpRequest req) {
                if (exchange != null) {
                    break; // a pipelined request waits for the response before it
                }
                inbound.poll();
                startExchange(req);
            } else if (exchange == null || exchange.requestDone) {
                inbound.poll();
                ReferenceCountUtil.release(msg); // the rest of a request already answered by the gateway
            } else {
                break;
            }
        }
        if (!closed && exchange != null && !exchange.requestDone && upstream != null && !writingUpstream) {
            sendBatch();
        }
        if (!closed && inbound.isEmpty() && !readRequested && wantsClientData()) {
            readRequested = true;
            ctx.read();
        }
    }

    /**
     * Writes the waiting head (if any) and every body piece read so far as one {@link AppStream#write}.
     * Together, because an app may answer a GET as soon as it has the head: were its empty end
     * still waiting, the request would look unfinished and the connection would have to close.
     */
    private void sendBatch() {
        CompositeByteBuf batch = ctx.alloc().compositeBuffer();
        boolean last = false;
        if (pendingHead != null) {
            batch.addComponent(true, upstream.encode(pendingHead));
            pendingHead = null;
        }
        while (!last && inbound.peek() instanceof HttpContent content) {
            inbound.poll();
            exchange.bytesIn += content.content().readableBytes();
            last = content instanceof LastHttpContent;
            batch.addComponent(true, upstream.encode(content));
        }
        if (batch.numComponents() == 0) {
            batch.release();
            return;
        }
        writeUpstream(batch, last);
    }

    /**
     * Whether to read the client now. Also while a response streams after its request was sent
     * whole: one read is then pending, so a client that goes away (a closed SSE tab) is noticed
     * at once and its stream closed; what it reads (a pipelined request) waits in {@link #inbound},
     * which stops further reads.
     */
    private boolean wantsClientData() {
        if (exchange == null || exchange.requestDone) {
            return true;
        }
        return upstream != null && !writingUpstream && !connecting;
    }

    private void startExchange(HttpRequest req) {
        AppSessionContext admitted = admittedUnder.poll();
        if (req.decoderResult().isFailure()) {
            respondAndClose(ErrorPage.of(HttpResponseStatus.BAD_REQUEST, "The request could not be read",
                    String.valueOf(req.decoderResult().cause().getMessage())), null);
            return;
        }
        // The front judges every request and sets the session it admitted it under; a keep-alive
        // connection may carry requests for several app hosts, so the stream follows the session.
        if (admitted == null) {
            respondAndClose(ErrorPage.of(HttpResponseStatus.FORBIDDEN, "No app session", "This connection carries no app session."), null);
            return;
        }
        if (admitted != session) {
            if (upstream != null) {
                detach(upstream);
            }
            session = admitted;
            session.attach(ctx.channel());
            responseHeaders = new ResponseHeaders(session.route().target(), session.route().hostName(hostname), publicPort);
        }
        boolean http10 = req.protocolVersion().equals(HttpVersion.HTTP_1_0);
        boolean webSocket = HopByHop.asksWebSocket(req.headers()) && ctx.pipeline().get(HttpServerCodec.class) != null;
        exchange = new Exchange(req.method().name(), req.uri(), audit.now(), HttpUtil.isKeepAlive(req) && !http10, http10, webSocket);
        session.busy(exchange, ctx.channel()); // done when audited, or when the connection closes
        if (session.ended()) {
            String reason = session.endReason() == null ? "the app session has ended" : session.endReason();
            audit.denied(session, reason);
            respondAndClose(ErrorPage.of(HttpResponseStatus.FORBIDDEN, "Your app session has ended", reason), reason, false);
            return;
        }
        if (!audit.accepting()) {
            // Every request is an audit event; with the store down and fail_closed, none may pass unrecorded.
            respondAndClose(ErrorPage.of(HttpResponseStatus.SERVICE_UNAVAILABLE, "The gateway cannot record requests right now",
                    AuditTrail.refusedWhileDown("app requests")), null, false);
            return;
        }
        pendingHead = RequestHeaders.upstream(req, session.assertion(),
                RequestHeaders.clientIp(dev.gatehouse.gateway.balancer.ClientAddress.of(ctx.channel()), session.identity().source()), webSocket);
        if (upstream == null) {
            connect();
        }
    }

    private void connect() {
        connecting = true;
        CompletableFuture<AppStream> opening;
        try {
            opening = connector.open(session.route(), session.identity(), session.id(), ctx.channel().eventLoop());
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e); // a connector that throws is answered like one that fails
        }
        opening.whenComplete((stream, err) -> ctx.executor().execute(() -> onConnected(stream, err)));
    }

    private void onConnected(AppStream stream, Throwable err) {
        connecting = false;
        if (closed) {
            if (stream != null) {
                stream.close();
            }
            return;
        }
        if (err != null) {
            Throwable cause = unwrap(err);
            respondAndClose(ErrorPage.of(HttpResponseStatus.BAD_GATEWAY, "The app could not be reached", UpstreamWords.of(cause, session.route())),
                    UpstreamWords.of(cause, session.route()));
            return;
        }
        upstream = new Upstream(stream, ctx.executor(), ctx.alloc(), this);
        upstream.start();
        pump();
    }

    private void writeUpstream(ByteBuf bytes, boolean last) {
        Upstream to = upstream;
        Exchange x = exchange;
        writingUpstream = true;
        if (last) {
            x.requestDone = true;
        }
        to.write(bytes).whenComplete((ok, err) -> ctx.executor().execute(() -> {
            if (to != upstream) {
                return;
            }
            writingUpstream = false;
            if (err != null) {
                upstreamBroke(to, "sending the request to the app failed: " + unwrap(err).getMessage());
                return;
            }
            pump();
        }));
    }

    // ---- app to client -------------------------------------------------------------------------

    @Override
    public void onData(Upstream from, ByteBuf data, Runnable more) {
        if (from != upstream || closed) {
            data.release();
            return;
        }
        relay(from, from.decode(data), more);
    }

    /** Relays decoded response objects to the client, flushes, then lets the app go on ({@code more}) once the client took them. */
    private void relay(Upstream from, List<Object> objects, Runnable more) {
        ChannelFuture lastWrite = null;
        for (int i = 0; i < objects.size(); i++) {
            Object o = objects.get(i);
            if (closed) {
                ReferenceCountUtil.release(o);
                continue;
            }
            if (!(o instanceof HttpObject h)) {
                ReferenceCountUtil.release(o); // raw bytes after a response that switched protocols unasked
                upstreamBroke(from, "the app switched protocols unasked");
                continue;
            }
            if (h instanceof HttpResponse res && res.status().code() == 101 && exchange != null && exchange.webSocket
                    && !h.decoderResult().isFailure() && HopByHop.asksWebSocket(res.headers())) {
                switchToWebSocket(from, exchange, res, objects.subList(i + 1, objects.size()), more);
                return; // the WebSocket relay owns the rest of the chunk and `more`
            }
            ChannelFuture f = relayResponse(from, h);
            if (f != null) {
                lastWrite = f;
            }
        }
        ctx.flush();
        whenClientTook(lastWrite, more);
    }

    /** Runs {@code more} once {@code write} is done and the channel writable: the client sets the app's pace. */
    private void whenClientTook(ChannelFuture write, Runnable more) {
        if (write == null) {
            more.run();
            return;
        }
        write.addListener(f -> {
            if (!f.isSuccess()) {
                return; // the channel is closing; the stream closes with it
            }
            pace.whenWritable(ctx.channel(), more);
        });
    }

    private ChannelFuture relayResponse(Upstream from, HttpObject o) {
        Exchange x = exchange;
        if (o.decoderResult().isFailure()) {
            ReferenceCountUtil.release(o);
            upstreamBroke(from, "the app's response could not be read: " + o.decoderResult().cause().getMessage());
            return null;
        }
        if (x == null) {
            ReferenceCountUtil.release(o);
            upstreamBroke(from, "the app answered a request that was not sent");
            return null;
        }
        if (o instanceof HttpResponse res) {
            return relayHead(from, x, res);
        }
        HttpContent content = (HttpContent) o;
        if (x.inInformational) {
            content.release(); // the empty end of a 1xx, which went out whole
            x.inInformational = false;
            return null;
        }
        x.bytesOut += content.content().readableBytes();
        if (!(content instanceof LastHttpContent)) {
            return ctx.write(content);
        }
        x.responseDone = true;
        ChannelFuture f = ctx.write(content);
        boolean closeAfter = !x.keepAlive || !x.requestDone;
        if (!x.requestDone) {
            // The app answered before it had the whole body (413, 401): this connection cannot go on.
            detach(from);
        }
        f.addListener(done -> {
            audit.request(session, x, done.isSuccess() ? null : "the client went away before the response ended");
            if (closeAfter) {
                ctx.close();
            }
        });
        exchange = null;
        if (closeAfter) {
            closed = true;
            release();
        } else {
            pump();
        }
        return f;
    }

    private ChannelFuture relayHead(Upstream from, Exchange x, HttpResponse res) {
        int code = res.status().code();
        if (code == 101) {
            upstreamBroke(from, "the app switched protocols unasked");
            return null;
        }
        if (res.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            // 100 Continue, 103 Early Hints: forwarded whole (HTTP/2 sends them as one HEADERS frame).
            x.inInformational = true;
            responseHeaders.rewrite(res.headers(), false);
            return ctx.write(new DefaultFullHttpResponse(res.protocolVersion(), res.status(), Unpooled.EMPTY_BUFFER,
                    res.headers(), EmptyHttpHeaders.INSTANCE));
        }
        x.status = code;
        x.responseStarted = true;
        responseHeaders.rewrite(res.headers(), false);
        boolean bodyless = x.head || code == 204 || code == 304;
        if (!bodyless && !HttpUtil.isContentLengthSet(res) && !x.http10) {
            // The codec frames the body again; HTTP/1.0 has no chunked coding, its body ends with the connection.
            HttpUtil.setTransferEncodingChunked(res, true);
        }
        if (!x.keepAlive || !x.requestDone) {
            res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return ctx.write(res);
    }

    /**
     * The app accepted a WebSocket upgrade: the 101 goes to the client, both HTTP codecs leave, and
     * a {@link WebSocketRelay} takes this handler's place with the stream, the bytes the app sent
     * after its 101, and the chunk's {@code more}.
     */
    private void switchToWebSocket(Upstream from, Exchange x, HttpResponse res, List<Object> rest, Runnable more) {
        x.status = 101;
        x.responseStarted = true;
        x.responseDone = true;
        responseHeaders.rewrite(res.headers(), true);
        ctx.write(res);
        ChannelFuture headWritten = ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
        // the WebSocket keeps the session live until it closes (the relay closes this channel then)
        session.busy(new Object(), ctx.channel());
        audit.request(session, x, null);
        exchange = null;
        inbound.forEach(ReferenceCountUtil::release); // a client sends no frames before the 101 (RFC 6455 section 4.1)
        inbound.clear();
        closed = true;
        upstream = null;
        WebSocketRelay.takeOver(ctx, this, from, session, audit, x.path, headWritten, rest, more);
    }

    @Override
    public void onEnd(Upstream from) {
        if (from != upstream) {
            return;
        }
        Exchange before = exchange;
        List<Object> rest = from.finish(); // a close-delimited body ends here (RFC 9112 section 6.3)
        detach(from);
        relay(from, rest, () -> {});
        if (before != null && exchange == before) {
            upstreamBroke(from, "the app closed the connection before the response ended");
        }
    }

    @Override
    public void onFailure(Upstream from, Throwable cause) {
        if (from == upstream) {
            upstreamBroke(from, "the connection to the app broke: " + unwrap(cause).getMessage());
        }
    }

    /**
     * The stream to the app is gone. Idle: the next request opens a new one. Before the response
     * started: a 502. Mid-response: the client connection closes.
     */
    private void upstreamBroke(Upstream from, String why) {
        detach(from);
        Exchange x = exchange;
        if (x == null || closed) {
            return;
        }
        if (!x.responseStarted) {
            respondAndClose(ErrorPage.of(HttpResponseStatus.BAD_GATEWAY, "The app did not answer", why), why);
        } else {
            audit.request(session, x, why);
            exchange = null;
            closeClient();
        }
    }

    /** Closes {@code from}; when it is the current stream, the next request opens a new one. */
    private void detach(Upstream from) {
        from.close();
        if (from == upstream) {
            upstream = null;
            writingUpstream = false;
        }
    }

    /** Sends the gateway's own answer to the current request, audits it, and closes the connection after. */
    private void respondAndClose(FullHttpResponse page, String error) {
        respondAndClose(page, error, true);
    }

    private void respondAndClose(FullHttpResponse page, String error, boolean auditRequest) {
        Exchange x = exchange;
        if (x != null) {
            x.status = page.status().code();
            x.responseStarted = true;
            x.responseDone = true;
            x.bytesOut = page.content().readableBytes();
        }
        ChannelFuture f = ctx.writeAndFlush(page);
        closed = true;
        f.addListener(done -> {
            if (x != null && session != null && auditRequest) {
                audit.request(session, x, error);
            }
            ctx.close();
        });
        exchange = null;
        release();
    }

    private void closeClient() {
        closed = true;
        release();
        ctx.close();
    }

    private void shutdown(String why) {
        Exchange x = exchange;
        exchange = null;
        closed = true;
        if (x != null && session != null) {
            audit.request(session, x, why);
        }
        release();
    }

    private void release() {
        pendingHead = null;
        admittedUnder.clear();
        inbound.forEach(ReferenceCountUtil::release);
        inbound.clear();
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
