package dev.gatehouse.gateway.web;

import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Decision;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the web front asks the policy about apps: the policy module's {@code decideApp} and
 * {@code reachableApps}, and the route of an allowed app. Pure and quick (no I/O), so it is asked on
 * every request; the current policy snapshot is read at each call, so a reload takes effect at the
 * next request.
 */
public interface WebPolicy {

    /** Whether {@code user} may use {@code app} on {@code node} now; deny wins, locks and grants apply. */
    Decision decideApp(String user, String app, String node, AccessState state, Instant now);

    /** Every (app, node) {@code user} may reach under standing access, for the console's list. */
    List<HostRoute.App> reachableApps(String user, String hostname);

    /**
     * Whether the policy declares {@code app} and it runs on {@code node} (the node exists and the
     * app's {@code nodes} selector matches it), whoever asks: a host name for anything else is
     * answered 404.
     */
    default boolean declared(String app, String node) {
        return route(app, node, Decision.allow("declared")).isPresent();
    }

    /** The route of {@code app} on {@code node} under an allow {@code decision}; empty when either is unknown. */
    Optional<AppRoute> route(String app, String node, Decision decision);
}
