package dev.gatehouse.gateway.web;

import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Node;
import java.net.URI;
import java.util.Objects;

/**
 * Where an app request goes, as the policy said when it allowed it.
 *
 * @param app the app name from the policy's {@code apps:}
 * @param node the node as the policy describes it (address, pinned host key or host CA)
 * @param login the node login whose tunnel reaches the app (never root)
 * @param target the app's address: {@code http://127.0.0.1:8888} as seen from the node (reached
 *     through an SSH tunnel), or an {@code http(s)://} URL on the node's network
 * @param targetCa PEM of the CA that an {@code https://} target's certificate must chain to (the
 *     policy's {@code target_ca}), or null for {@code http://} targets
 * @param decision the policy's allow, with the grant it rests on, if any
 */
public record AppRoute(String app, Node node, String login, URI target, String targetCa, Decision decision) {
    public AppRoute {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(login, "login");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(decision, "decision");
    }

    /** The host name the app is served at: {@code APP--NODE.apps.HOSTNAME}. */
    public String hostName(String hostname) {
        return app + "--" + node.name() + ".apps." + hostname;
    }
}
