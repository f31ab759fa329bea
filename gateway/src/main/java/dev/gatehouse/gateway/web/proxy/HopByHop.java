package dev.gatehouse.gateway.web.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Removes the hop-by-hop fields of a message before it is forwarded (RFC 9110 section 7.6.1):
 * {@code Connection} and every field it names, {@code Keep-Alive}, {@code Proxy-Connection},
 * {@code TE} (but a {@code TE: trailers} survives, as gRPC-style apps need it), {@code Trailer},
 * {@code Transfer-Encoding} (the codec on each side frames the body again) and {@code Upgrade}.
 * A WebSocket upgrade (RFC 6455 section 4.1) keeps {@code Upgrade: websocket} and
 * {@code Connection: Upgrade}.
 *
 * <p>{@code Connection} may name only hop-by-hop extension fields: a sender naming a field that
 * frames the message or routes it ({@code Content-Length}, {@code Host}, see {@link #END_TO_END})
 * is ignored for that field, as stripping it would let the body be read as a second request by
 * the next hop (request smuggling).
 */
final class HopByHop {
    /** Fields a {@code Connection} header may not remove: the message's framing and its target host (RFC 9112 sections 3.2, 6). */
    static final java.util.Set<String> END_TO_END = java.util.Set.of("content-length", "host");

    private HopByHop() {}

    /** True when {@code headers} ask for a WebSocket upgrade: {@code Upgrade} names websocket and {@code Connection} names upgrade. */
    static boolean asksWebSocket(HttpHeaders headers) {
        return tokens(headers, HttpHeaderNames.UPGRADE).contains("websocket")
                && tokens(headers, HttpHeaderNames.CONNECTION).contains("upgrade");
    }

    /**
     * Removes the hop-by-hop fields from {@code headers} in place.
     *
     * @param keepWebSocketUpgrade leave {@code Upgrade: websocket} and set {@code Connection: Upgrade}
     */
    static void strip(HttpHeaders headers, boolean keepWebSocketUpgrade) {
        for (String named : tokens(headers, HttpHeaderNames.CONNECTION)) {
            if (!END_TO_END.contains(named)) {
                headers.remove(named);
            }
        }
        boolean teTrailers = tokens(headers, HttpHeaderNames.TE).contains("trailers");
        headers.remove(HttpHeaderNames.CONNECTION);
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove("proxy-connection");
        headers.remove(HttpHeaderNames.TE);
        headers.remove(HttpHeaderNames.TRAILER);
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.remove(HttpHeaderNames.UPGRADE);
        if (teTrailers) {
            headers.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        if (keepWebSocketUpgrade) {
            headers.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
    }

    /** The comma-separated tokens of every {@code name} field, trimmed and lower-cased (RFC 9110 section 5.6.1). */
    static List<String> tokens(HttpHeaders headers, CharSequence name) {
        List<String> out = new ArrayList<>();
        for (String value : headers.getAll(name)) {
            for (String token : value.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                int semicolon = t.indexOf(';');
                if (semicolon >= 0) {
                    t = t.substring(0, semicolon).trim();
                }
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
        }
        return out;
    }
}
