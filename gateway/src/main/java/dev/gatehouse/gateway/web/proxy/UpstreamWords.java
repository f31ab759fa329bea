package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.gateway.web.AppRoute;

/** Says in plain words which step of reaching an app failed, for the 502 page and the audit (never a stack trace). */
final class UpstreamWords {
    private static final int MAX = 300;

    private UpstreamWords() {}

    /** One line: the stage, then the connector's own one-line message. */
    static String of(Throwable cause, AppRoute route) {
        String node = route.node().name();
        String stage;
        if (cause instanceof UpstreamException u) {
            stage = switch (u.stage()) {
                case TCP_CONNECT -> "Connecting to node " + node + " failed";
                case BANNER -> "Node " + node + " did not greet the gateway over SSH";
                case KEY_EXCHANGE -> "The SSH key exchange with node " + node + " failed";
                case HOST_KEY -> "Node " + node + " did not prove its identity (host key)";
                case AUTHENTICATION -> "Node " + node + " refused the gateway's login as " + route.login();
                case CHANNEL_OPEN -> "Node " + node + " refused the tunnel to the app at " + route.target();
                case TLS -> "The TLS handshake with the app at " + route.target() + " failed";
            };
        } else {
            stage = "Connecting to the app at " + route.target() + " on node " + node + " failed";
        }
        String message = cause.getMessage();
        String line = message == null || message.isBlank() ? stage : stage + ": " + message;
        line = line.replaceAll("[\\r\\n\\t]+", " ");
        return line.length() > MAX ? line.substring(0, MAX) + "..." : line;
    }
}
