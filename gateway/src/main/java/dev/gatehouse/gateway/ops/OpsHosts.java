package dev.gatehouse.gateway.ops;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.NetUtil;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The operations listener's guard against DNS rebinding: which {@code Host} header values it
 * answers.
 *
 * <p>Threat: a web page at {@code evil.example}, opened in a browser on the gateway host,
 * re-resolves its own name to 127.0.0.1 and reads {@code http://evil.example:9464/metrics} as
 * same-origin. The browser then sends {@code Host: evil.example:9464}, a name the attacker controls,
 * whereas a request to an IP literal cannot be rebound (there is no name to re-resolve). So a
 * request is answered only when its {@code Host} (RFC 9110 section 7.2, {@code uri-host [":" port]},
 * RFC 3986 section 3.2.2) names an IPv4 literal, a bracketed IPv6 literal, {@code localhost}, or one
 * of the {@code ops.hosts} names; any port, or none. Names compare case-insensitively and with or
 * without one trailing dot.
 *
 * <p>An HTTP/1.0 request without {@code Host} is answered (HAProxy's {@code option httpchk} and
 * other health checkers send one like that, and no browser does); an HTTP/1.1 one without
 * {@code Host}, or any request with two {@code Host} fields or a value that is not
 * {@code host[:port]}, is {@link Verdict#MALFORMED} (RFC 9112 section 3.2: the server must answer 400).
 */
final class OpsHosts {
    /** What to do with a request, by its {@code Host}. */
    enum Verdict {
        /** Answer it. */
        ALLOWED,
        /** 400: no {@code Host} on HTTP/1.1, more than one, or a value that is not {@code host[:port]}. */
        MALFORMED,
        /** 421: a well-formed {@code Host} naming something other than this listener. */
        FOREIGN
    }

    private static final String LABEL = "[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?";
    private final Set<String> names;

    /** @param names extra DNS names to answer ({@code ops.hosts}), lower case without a trailing dot */
    OpsHosts(Collection<String> names) {
        this.names = Set.copyOf(names);
    }

    /** Judges a request's {@code Host} fields; {@code version} is the request's protocol version. */
    Verdict check(HttpHeaders headers, HttpVersion version) {
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return Verdict.MALFORMED;
        }
        String value = hosts.isEmpty() ? "" : hosts.get(0).trim();
        if (value.isEmpty()) {
            // RFC 9112 section 3.2: HTTP/1.1 requires Host; HTTP/1.0 (health checkers) may omit it
            return version.majorVersion() == 1 && version.minorVersion() == 0 ? Verdict.ALLOWED : Verdict.MALFORMED;
        }
        return check(value);
    }

    /** Judges one {@code Host} value, {@code uri-host [":" port]}. */
    Verdict check(String value) {
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0) {
                return Verdict.MALFORMED;
            }
            host = value.substring(1, close);
            String rest = value.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) {
                return Verdict.MALFORMED;
            }
            port = rest.isEmpty() ? null : rest.substring(1);
            if (!NetUtil.isValidIpV6Address(host)) {
                return Verdict.MALFORMED;
            }
            return validPort(port) ? Verdict.ALLOWED : Verdict.MALFORMED;
        }
        int colon = value.indexOf(':');
        if (colon >= 0 && value.indexOf(':', colon + 1) >= 0) {
            return Verdict.MALFORMED; // an unbracketed IPv6 literal, or worse
        }
        host = colon < 0 ? value : value.substring(0, colon);
        port = colon < 0 ? null : value.substring(colon + 1);
        if (!validPort(port)) {
            return Verdict.MALFORMED;
        }
        if (NetUtil.isValidIpV4Address(host)) {
            return Verdict.ALLOWED;
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.length() > 253 || !name.matches(LABEL + "(\\." + LABEL + ")*")) {
            return Verdict.MALFORMED;
        }
        return name.equals("localhost") || names.contains(name) ? Verdict.ALLOWED : Verdict.FOREIGN;
    }

    private static boolean validPort(String port) {
        return port == null || (port.matches("[0-9]{1,5}") && Integer.parseInt(port) <= 65535);
    }
}
