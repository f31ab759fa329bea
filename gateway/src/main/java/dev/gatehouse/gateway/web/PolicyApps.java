package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.App;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Node;
import dev.gatehouse.policy.Policy;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** {@link WebPolicy} over the gateway's current policy snapshot: the evaluator's app rules and the policy's {@code apps:}. */
public final class PolicyApps implements WebPolicy {
    private final PolicyHolder holder;

    public PolicyApps(PolicyHolder holder) {
        this.holder = holder;
    }

    @Override
    public Decision decideApp(String user, String app, String node, AccessState state, Instant now) {
        return holder.current().evaluator().decideApp(user, app, node, state, now);
    }

    @Override
    public List<HostRoute.App> reachableApps(String user, String hostname) {
        return holder.current().evaluator().reachableApps(user).stream()
                .map(a -> HostRoute.of(a.app() + "--" + a.node() + ".apps." + hostname, hostname))
                .filter(HostRoute.App.class::isInstance).map(HostRoute.App.class::cast).toList();
    }

    @Override
    public boolean declared(String app, String node) {
        Policy p = holder.current().policy();
        Optional<App> a = p.app(app);
        Optional<Node> n = p.node(node);
        // a label selector: every listed label carried with the same value; an empty one matches nothing
        return a.isPresent() && n.isPresent() && !a.get().nodes().isEmpty()
                && a.get().nodes().entrySet().stream().allMatch(e -> e.getValue().equals(n.get().labels().get(e.getKey())));
    }

    @Override
    public Optional<AppRoute> route(String app, String node, Decision decision) {
        Policy p = holder.current().policy();
        Optional<App> a = p.app(app);
        Optional<Node> n = p.node(node);
        if (a.isEmpty() || n.isEmpty() || !decision.allowed()) {
            return Optional.empty();
        }
        return Optional.of(new AppRoute(app, n.get(), a.get().login(), a.get().target(), a.get().targetCa().orElse(null), decision));
    }
}
