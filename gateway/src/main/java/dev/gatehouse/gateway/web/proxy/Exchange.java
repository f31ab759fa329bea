package dev.gatehouse.gateway.web.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One request and its response as the proxy relays them, with what {@code app.request} reports.
 * Lives on the client channel's event loop.
 */
final class Exchange {
    final String method;
    /** The request target's path, without the query (audit never stores a query string). */
    final String path;
    /** Hex SHA-256 of the raw query, or null when there is none. */
    final String querySha256;
    final Instant started;
    final boolean keepAlive;
    final boolean http10;
    final boolean head;
    final boolean webSocket;

    long bytesIn;
    long bytesOut;
    int status;
    boolean requestDone;
    boolean responseStarted;
    boolean responseDone;
    /** An informational (1xx) head was forwarded; its empty end is not the response's end. */
    boolean inInformational;
    boolean audited;

    Exchange(String method, String uri, Instant started, boolean keepAlive, boolean http10, boolean webSocket) {
        this.method = method;
        String target = originForm(uri);
        int q = target.indexOf('?');
        this.path = q < 0 ? target : target.substring(0, q);
        this.querySha256 = q < 0 ? null : sha256(target.substring(q + 1));
        this.started = started;
        this.keepAlive = keepAlive;
        this.http10 = http10;
        this.head = "HEAD".equals(method);
        this.webSocket = webSocket;
    }

    /** The path and query of an absolute-form target ({@code http://h/p?q}, RFC 9112 section 3.2.2); others unchanged. */
    private static String originForm(String uri) {
        int fragment = uri.indexOf('#');
        String u = fragment < 0 ? uri : uri.substring(0, fragment);
        int scheme = u.indexOf("://");
        if (scheme > 0 && !u.startsWith("/")) {
            int slash = u.indexOf('/', scheme + 3);
            int query = u.indexOf('?', scheme + 3);
            if (slash < 0 || (query >= 0 && query < slash)) {
                return "/" + (query < 0 ? "" : u.substring(query));
            }
            return u.substring(slash);
        }
        return u;
    }

    /** Request-line text is bytes as ISO-8859-1 chars (Netty's decoding), so this hashes the bytes as sent. */
    private static String sha256(String query) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(query.getBytes(StandardCharsets.ISO_8859_1)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
