package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.config.WebHostName;
import java.util.Locale;

/**
 * What a request's host name addresses: the console ({@code HOSTNAME}), an app on a node
 * ({@code APP--NODE.apps.HOSTNAME}) or nothing we serve. Host names compare case-insensitively
 * (RFC 9110 section 4.2.3); a port in a {@code Host} header is ignored here (the listener's own).
 */
public sealed interface HostRoute {

    /** The console and API host. */
    record Console(String host) implements HostRoute {}

    /**
     * An app host.
     *
     * @param host {@code APP--NODE.apps.HOSTNAME}, lower case
     * @param app the app name (the part before the first {@code --})
     * @param node the node name (the rest)
     */
    record App(String host, String app, String node) implements HostRoute {
        /** {@code APP--NODE}, the form the launch URL's {@code to} parameter takes. */
        public String label() {
            return app + "--" + node;
        }
    }

    /** A name that is neither; answered with a 404 page, never sent anywhere. */
    record Unknown(String host) implements HostRoute {}

    /**
     * Classifies {@code host} (a {@code Host} header value or an SNI name) under the console's
     * {@code hostname}.
     *
     * @param host {@code name}, {@code name:port} or {@code [v6]:port}; may be null or empty
     */
    static HostRoute of(String host, String hostname) {
        String name = withoutPort(host);
        if (name == null || !WebHostName.valid(name)) {
            return new Unknown(host == null ? "" : host);
        }
        name = name.toLowerCase(Locale.ROOT);
        if (name.equals(hostname)) {
            return new Console(name);
        }
        String suffix = ".apps." + hostname;
        if (name.endsWith(suffix)) {
            String label = name.substring(0, name.length() - suffix.length());
            int split = label.indexOf("--");
            if (label.indexOf('.') < 0 && split > 0 && split + 2 < label.length()) {
                return new App(name, label.substring(0, split), label.substring(split + 2));
            }
        }
        return new Unknown(name);
    }

    /**
     * The name part of a {@code Host} value: {@code name:443} gives {@code name}; a bracketed IPv6
     * literal gives itself with brackets (never a served name); null when the value is malformed.
     */
    static String withoutPort(String host) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? null : host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        if (colon < 0) {
            return host;
        }
        String port = host.substring(colon + 1);
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return host.substring(0, colon);
    }
}
