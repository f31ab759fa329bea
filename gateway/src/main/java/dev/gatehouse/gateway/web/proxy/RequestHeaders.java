package dev.gatehouse.gateway.web.proxy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a client's request head into the one sent to the app: hop-by-hop fields removed (RFC 9110
 * section 7.6.1), the gateway's own cookies taken out of {@code Cookie}, every client-sent
 * {@code Gatehouse-Jwt-Assertion} replaced by the gateway's, {@code X-Forwarded-For/-Proto/-Host}
 * set by the gateway (a client's own copies, and {@code Forwarded} (RFC 7239), are dropped: the
 * gateway is the edge, so nothing a client says about its address is believed). {@code Host} passes
 * unchanged, as apps such as Jupyter compare {@code Origin} with it.
 */
final class RequestHeaders {
    /** The identity header the app trusts (contract: "Upstream requests carry ..."). */
    static final String ASSERTION = "gatehouse-jwt-assertion";
    /** The gateway's session cookies on the console and app hosts; never sent to an app. */
    static final Set<String> GATEWAY_COOKIES = Set.of("__Host-gatehouse", "__Host-gatehouse-app");

    private RequestHeaders() {}

    /**
     * The request head for the app, always HTTP/1.1.
     *
     * @param client the head as the client sent it (not modified)
     * @param assertion the {@code Gatehouse-Jwt-Assertion} value to send
     * @param clientIp the client's IP address for {@code X-Forwarded-For}, or null when unknown
     * @param webSocket true to keep the WebSocket upgrade fields
     */
    static HttpRequest upstream(HttpRequest client, String assertion, String clientIp, boolean webSocket) {
        boolean chunked = HttpUtil.isTransferEncodingChunked(client);
        HttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, client.method(), client.uri());
        HttpHeaders h = out.headers();
        h.set(client.headers());
        HopByHop.strip(h, webSocket);
        stripExtensionHeaders(h);
        withoutGatewayFields(h);
        h.set(ASSERTION, assertion);
        if (clientIp != null) {
            h.set("x-forwarded-for", clientIp);
        } else {
            h.remove("x-forwarded-for");
        }
        h.set("x-forwarded-proto", "https");
        String host = h.get(HttpHeaderNames.HOST);
        if (host != null) {
            h.set("x-forwarded-host", host);
        } else {
            h.remove("x-forwarded-host");
        }
        withoutGatewayCookies(h);
        if (chunked && !HttpUtil.isContentLengthSet(out)) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return out;
    }

    /**
     * The client's IP address for {@code X-Forwarded-For}: from the connection (on an HTTP/2
     * stream, its parent's), else from the identity's {@code ip:port} source; null when neither says.
     */
    static String clientIp(SocketAddress remote, String identitySource) {
        if (remote instanceof InetSocketAddress a && a.getAddress() != null) {
            return a.getAddress().getHostAddress();
        }
        if (identitySource == null) {
            return null;
        }
        int colon = identitySource.lastIndexOf(':');
        String host = colon > 0 ? identitySource.substring(0, colon) : identitySource;
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * Fields only the gateway speaks in, in any spelling an app may read as theirs: CGI-style
     * servers (RFC 3875 section 4.1.18; WSGI, PHP) turn {@code -} and {@code _} alike into
     * {@code _}, so {@code Gatehouse_Jwt_Assertion} would arrive as the gateway's assertion.
     */
    static final Set<String> GATEWAY_FIELDS = Set.of(ASSERTION, "forwarded", "x-real-ip", "x-forwarded-for",
            "x-forwarded-proto", "x-forwarded-host");

    /** Removes every client field whose name, with {@code _} read as {@code -}, is one of {@link #GATEWAY_FIELDS}. */
    private static void withoutGatewayFields(HttpHeaders h) {
        List<String> names = new ArrayList<>();
        for (Iterator<Map.Entry<String, String>> it = h.iteratorAsString(); it.hasNext(); ) {
            String name = it.next().getKey();
            if (GATEWAY_FIELDS.contains(name.toLowerCase(Locale.ROOT).replace('_', '-'))) {
                names.add(name);
            }
        }
        names.forEach(h::remove);
    }

    /** Netty's HTTP/2 to HTTP/1 conversion adds {@code x-http2-*} fields; they describe our hop, not the app's. */
    private static void stripExtensionHeaders(HttpHeaders h) {
        List<String> names = new ArrayList<>();
        for (Iterator<Map.Entry<String, String>> it = h.iteratorAsString(); it.hasNext(); ) {
            String name = it.next().getKey();
            if (name.toLowerCase(Locale.ROOT).startsWith("x-http2-")) {
                names.add(name);
            }
        }
        names.forEach(h::remove);
    }

    /**
     * Removes the gateway's cookies from every {@code Cookie} field (RFC 6265 section 5.4: pairs
     * separated by {@code ;}); the app's own cookies (Jupyter's {@code _xsrf}) pass, joined into one
     * field as HTTP/1.1 requires.
     */
    static void withoutGatewayCookies(HttpHeaders h) {
        List<String> kept = new ArrayList<>();
        for (String value : h.getAll(HttpHeaderNames.COOKIE)) {
            for (String pair : value.split(";")) {
                String p = pair.trim();
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                String name = (eq < 0 ? p : p.substring(0, eq)).trim();
                if (!GATEWAY_COOKIES.contains(name)) {
                    kept.add(p);
                }
            }
        }
        h.remove(HttpHeaderNames.COOKIE);
        if (!kept.isEmpty()) {
            h.set(HttpHeaderNames.COOKIE, String.join("; ", kept));
        }
    }
}
