package dev.gatehouse.gateway.web.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Rewrites an app's response head for the browser: hop-by-hop fields go (RFC 9110 section 7.6.1),
 * a {@code Location} (RFC 9110 section 10.2.2) that points at the app's own address, or at its
 * public host over plain http, is moved to {@code https://APP--NODE.apps.HOST:PORT}, and
 * {@code Set-Cookie} (RFC 6265 section 4.1) loses its {@code Domain} attribute so a cookie stays on
 * the app's host. A {@code Set-Cookie} for one of the gateway's own cookie names is dropped: an app
 * must not replace the gateway's session on its host (session fixation).
 */
final class ResponseHeaders {
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

    private final URI target;
    private final String publicHost;
    private final int publicPort;
    private final String publicOrigin;

    /**
     * @param target the app's address as the policy names it ({@code http://127.0.0.1:8888})
     * @param publicHost the app's host name for browsers ({@code APP--NODE.apps.HOST})
     * @param publicPort the gateway's public HTTPS port
     */
    ResponseHeaders(URI target, String publicHost, int publicPort) {
        this.target = target;
        this.publicHost = publicHost.toLowerCase(Locale.ROOT);
        this.publicPort = publicPort;
        this.publicOrigin = "https://" + publicHost + (publicPort == 443 ? "" : ":" + publicPort);
    }

    /** Rewrites {@code headers} in place; {@code webSocket} keeps the upgrade fields of a 101. */
    void rewrite(HttpHeaders headers, boolean webSocket) {
        HopByHop.strip(headers, webSocket);
        String location = headers.get(HttpHeaderNames.LOCATION);
        if (location != null) {
            headers.set(HttpHeaderNames.LOCATION, location(location));
        }
        List<String> cookies = headers.getAll(HttpHeaderNames.SET_COOKIE);
        if (!cookies.isEmpty()) {
            headers.remove(HttpHeaderNames.SET_COOKIE);
            for (String cookie : cookies) {
                String kept = setCookie(cookie);
                if (kept != null) {
                    headers.add(HttpHeaderNames.SET_COOKIE, kept);
                }
            }
        }
    }

    /** {@code value} moved to the public origin when it names the app's own address; otherwise unchanged (also when unparseable). */
    String location(String value) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            return value;
        }
        if (!uri.isAbsolute() || uri.getRawAuthority() == null || !(isTarget(uri) || isPublicOverHttp(uri))) {
            return value;
        }
        StringBuilder out = new StringBuilder(publicOrigin);
        String path = uri.getRawPath();
        out.append(path == null || path.isEmpty() ? "/" : path);
        if (uri.getRawQuery() != null) {
            out.append('?').append(uri.getRawQuery());
        }
        if (uri.getRawFragment() != null) {
            out.append('#').append(uri.getRawFragment());
        }
        return out.toString();
    }

    private boolean isTarget(URI uri) {
        String host = lower(uri.getHost());
        String targetHost = lower(target.getHost());
        if (host == null || targetHost == null || !lower(uri.getScheme()).equals(lower(target.getScheme()))) {
            return false;
        }
        boolean sameHost = host.equals(targetHost) || (LOOPBACK.contains(host) && LOOPBACK.contains(targetHost));
        return sameHost && port(uri) == port(target);
    }

    private boolean isPublicOverHttp(URI uri) {
        return "http".equals(lower(uri.getScheme())) && publicHost.equals(lower(uri.getHost()))
                && (uri.getPort() == publicPort || (uri.getPort() == -1 && publicPort == 80));
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equals(lower(uri.getScheme())) ? 443 : 80;
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    /** The cookie without {@code Domain} attributes, or null to drop it (a gateway cookie name). */
    static String setCookie(String value) {
        String[] parts = value.split(";");
        String pair = parts[0].trim();
        int eq = pair.indexOf('=');
        String name = (eq < 0 ? pair : pair.substring(0, eq)).trim();
        if (RequestHeaders.GATEWAY_COOKIES.contains(name)) {
            return null;
        }
        List<String> kept = new ArrayList<>();
        kept.add(pair);
        for (int i = 1; i < parts.length; i++) {
            String attr = parts[i].trim();
            int aeq = attr.indexOf('=');
            String attrName = (aeq < 0 ? attr : attr.substring(0, aeq)).trim();
            if (!attr.isEmpty() && !attrName.equalsIgnoreCase("domain")) {
                kept.add(attr);
            }
        }
        return String.join("; ", kept);
    }
}
