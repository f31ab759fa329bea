package dev.gatehouse.gateway.web;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One request as the web front's handlers see it.
 *
 * @param request the request head (the body, if any, follows as content)
 * @param source the client's address, {@code ip:port}
 * @param peer the verified client certificate, or null
 */
record WebRequest(HttpRequest request, String source, X509Certificate peer) {

    String path() {
        return new QueryStringDecoder(request.uri()).path();
    }

    /** The single value of query parameter {@code name}, or null when absent or given more than once. */
    String query(String name) {
        List<String> values = new QueryStringDecoder(request.uri()).parameters().get(name);
        return values == null || values.size() != 1 ? null : values.get(0);
    }

    /** Whether a browser's plain navigation could have sent it (GET or HEAD), which a redirect may answer. */
    boolean navigation() {
        return HttpMethod.GET.equals(request.method()) || HttpMethod.HEAD.equals(request.method());
    }

    /**
     * The Fetch Metadata {@code Sec-Fetch-Site} value (W3C Fetch Metadata Request Headers, section
     * 2.1: {@code cross-site}, {@code same-site}, {@code same-origin} or {@code none}), lower case;
     * null when the client sent none (curl, older browsers).
     */
    String fetchSite() {
        String v = request.headers().get("Sec-Fetch-Site");
        return v == null ? null : v.trim().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether another site's page started this navigation ({@code Sec-Fetch-Site: cross-site}). */
    boolean crossSite() {
        return "cross-site".equals(fetchSite());
    }

    /** The value of cookie {@code name}, or null (HTTP/2 clients may send several Cookie fields, RFC 9113 8.2.3). */
    String cookie(String name) {
        for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie c : ServerCookieDecoder.LAX.decode(header)) {
                if (name.equals(c.name())) {
                    return c.value();
                }
            }
        }
        return null;
    }
}
