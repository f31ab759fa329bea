package dev.gatehouse.policy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Look-ups the elevation rules share, over one policy: who a name is, what they hold, which
 * elevation governs a request, which lock stops it. Built per call; requests are rare enough
 * that a linear pass over the policy costs nothing worth caching.
 */
final class Actors {
    final Policy policy;
    final boolean multiTenant;
    private final Map<String, User> users = new HashMap<>();
    private final Map<String, Role> roles = new HashMap<>();

    Actors(Policy policy) {
        this.policy = policy;
        this.multiTenant = policy.multiTenant();
        policy.users().forEach(u -> users.putIfAbsent(u.name(), u));
        policy.roles().forEach(r -> roles.putIfAbsent(r.name(), r));
    }

    /** The user, or null when the name is unknown (e.g. removed from the policy since). */
    User user(String name) {
        return name == null ? null : users.get(name);
    }

    /** Why {@code user} (looked up as {@code name}) may not act, or null when known and enabled. */
    static String actorProblem(User user) {
        if (user == null) {
            return "unknown user";
        }
        if (user.disabled()) {
            return "user " + Names.quote(user.name()) + " is disabled";
        }
        return null;
    }

    /** Why {@code login} can never be used, or null. Same order and words as the evaluator. */
    String loginProblem(String login) {
        String malformed = LoginNames.problem(login).orElse(null);
        if (malformed != null) {
            return malformed;
        }
        String lower = login.toLowerCase(Locale.ROOT);
        if (lower.equals(LoginNames.ROOT)) {
            return "root login is not permitted";
        }
        boolean forbidden = policy.forbiddenLogins().stream().anyMatch(f -> f.toLowerCase(Locale.ROOT).equals(lower));
        return forbidden ? "login " + Names.quote(login) + " is forbidden" : null;
    }

    Set<Permission> permissions(User user) {
        Set<Permission> out = EnumSet.noneOf(Permission.class);
        if (user != null && !user.disabled()) {
            for (String name : user.roles()) {
                Role role = roles.get(name);
                if (role != null) {
                    out.addAll(role.permissions());
                }
            }
        }
        return out;
    }

    static boolean holdsAny(User user, List<String> wanted) {
        return user != null && user.roles().stream().anyMatch(wanted::contains);
    }

    boolean reaches(String userTenant, Node node) {
        return Tenants.reaches(multiTenant, userTenant, node);
    }

    /**
     * The nodes a request of {@code tenant} targets. A selector is narrowed to the nodes the tenant
     * may reach: other tenants' nodes are invisible rather than an error that would reveal them.
     */
    List<Node> targeted(String tenant, NodeTarget target) {
        return target.resolve(policy).stream().filter(n -> reaches(tenant, n)).toList();
    }

    /** Elevations to {@code login} that {@code requester} may ask for. */
    List<Elevation> requestable(User requester, String login) {
        return policy.elevations().stream()
                .filter(e -> e.login().equals(login) && holdsAny(requester, e.requesters()))
                .toList();
    }

    static boolean coversAll(Elevation e, List<Node> nodes) {
        return !nodes.isEmpty() && nodes.stream().allMatch(n -> RuleEvaluator.matches(e.nodes(), n.labels()));
    }

    static boolean accepts(Elevation e, Duration duration, String reason) {
        return duration.compareTo(e.maxDuration()) <= 0 && (!e.requireReason() || !Texts.blank(reason));
    }

    /**
     * The elevation governing a request: the first in file order that lets {@code requester} ask
     * for {@code login} on all of {@code nodes} for {@code duration} with {@code reason}. Its
     * approvers and threshold apply. Recomputed at every approval, so a policy reload that removes
     * the elevation or the requester's role stops a pending request from being approved.
     */
    Elevation governing(User requester, String login, List<Node> nodes, Duration duration, String reason) {
        return requestable(requester, login).stream()
                .filter(e -> coversAll(e, nodes) && accepts(e, duration, reason))
                .findFirst().orElse(null);
    }

    /** Holds an {@code approvers} role of some elevation to {@code login}. */
    boolean approverOf(User user, String login) {
        return user != null && !user.disabled() && policy.elevations().stream()
                .anyMatch(e -> e.login().equals(login) && holdsAny(user, e.approvers()));
    }

    /**
     * The first lock stopping {@code user} of {@code tenant} from using {@code login} on any of
     * {@code nodes} (none: user, login and tenant only), or null.
     */
    static Lock lockFor(AccessState state, String user, String tenant, String login, List<Node> nodes) {
        if (nodes.isEmpty()) {
            List<Lock> found = state.locksMatching(user, tenant, login, null, null);
            return found.isEmpty() ? null : found.get(0);
        }
        for (Node node : nodes) {
            List<Lock> found = state.locksMatching(user, tenant, login, node.name(), Tenants.of(node));
            if (!found.isEmpty()) {
                return found.get(0);
            }
        }
        return null;
    }
}
