package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.Identity;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * What the app proxy needs to know about the app session a request belongs to. The web front sets
 * it on the channel ({@link #ATTR}) before it passes a request on to the proxy; on HTTP/2 it is
 * set on the stream's child channel.
 */
public interface AppSessionContext {
    AttributeKey<AppSessionContext> ATTR = AttributeKey.valueOf("gatehouse.app-session");

    /** The app session id (the same id space as SSH sessions). */
    String id();

    Identity identity();

    AppRoute route();

    /**
     * The {@code Gatehouse-Jwt-Assertion} header value to send upstream now: a compact JWS (ES256,
     * RFC 7515) whose claims are {@code sub} the user, {@code aud} the app host name, {@code iat},
     * {@code exp} a few minutes on; fresh or cached while it has most of its life left.
     */
    String assertion();

    /**
     * Ties {@code channel} (a client connection, an HTTP/2 stream or an upstream stream's channel)
     * to this session, so that ending the session (lock, revoke, policy, terminate) closes it.
     */
    void attach(Channel channel);

    /**
     * Marks {@code work} (a request being answered, or an open WebSocket) as in flight on
     * {@code channel}: the session is not idle until {@link #done} is called for it or the channel
     * closes, so a long response (server-sent events) or a WebSocket keeps it live however quiet.
     */
    void busy(Object work, Channel channel);

    /** {@code work} (given to {@link #busy}) is over; the session's idle time counts from now. Idempotent. */
    void done(Object work);

    /** True once the session has ended; the proxy then answers no more requests of it. */
    boolean ended();

    /**
     * Why the session ended ({@code user locked}, {@code grant r-17 revoked}, ...), one line a user
     * may read; null while it is live. The proxy's 403 page shows it.
     */
    String endReason();

    /**
     * Adds to the session's totals, which {@code app.session.end} reports: {@code requests}
     * finished requests, {@code bytesIn} body bytes from the client to the app and
     * {@code bytesOut} body bytes from the app to the client (WebSocket: raw frame bytes). Called
     * by the proxy on its event loops, once per finished request and per relayed WebSocket chunk;
     * implementations must be thread-safe and cheap (for example {@code LongAdder}s).
     */
    void count(long requests, long bytesIn, long bytesOut);
}
