package dev.gatehouse.policy;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A web application behind the gateway's HTTPS app proxy, reached at
 * {@code https://NAME--NODE.apps.HOSTNAME/} on every node its selector matches.
 *
 * @param name unique DNS label (RFC 1035 section 2.3.1, lower case): letters, digits and single
 *     hyphens, 1-40 characters, never {@code --}, which separates app and node in the host name
 * @param nodes label selector: a node matches when it carries every label listed; empty matches none
 * @param target the app's base URL as seen from the node: {@code http://} or {@code https://}, with
 *     host and optional port, no userinfo, query or fragment, path empty or {@code /}. A loopback
 *     host ({@code 127.0.0.1}, {@code ::1}, {@code localhost}) is reached through an SSH tunnel
 *     ({@code direct-tcpip}) via the node's sshd; any other host directly over the node's network
 * @param login the node login the tunnel's certificate names (never root or a forbidden login)
 * @param targetCa PEM of the CA certificate(s) an {@code https://} target's certificate is verified
 *     against; present whenever the target is {@code https://} and not loopback, absent for {@code http://}
 */
public record App(String name, Map<String, String> nodes, URI target, String login, Optional<String> targetCa) {
    public App {
        nodes = Map.copyOf(nodes);
    }

    /** True when the target is the node's own loopback, so it is reached through an SSH tunnel. */
    public boolean viaTunnel() {
        return ForwardTarget.loopback(target.getHost()).isPresent();
    }

    /** True for an {@code https://} target. */
    public boolean tls() {
        return "https".equals(target.getScheme().toLowerCase(Locale.ROOT));
    }

    /** The target's TCP port: the one written, else 443 for https and 80 for http (RFC 9110 section 4.2). */
    public int targetPort() {
        return target.getPort() >= 0 ? target.getPort() : tls() ? 443 : 80;
    }
}
