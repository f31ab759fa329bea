package dev.gatehouse.policy;

import java.util.List;
import java.util.Set;

/**
 * Pure access decisions: no I/O, no clock reads beyond what callers pass in. Deny wins over allow:
 * a forbidden or malformed login, a disabled or unknown user, or an unknown node is refused
 * whatever any role says.
 */
public interface PolicyEvaluator {

    /** May {@code user} open a session on {@code node} as {@code login} with standing access? */
    Decision decide(String user, String login, String node);

    /** Gateway permissions the user holds through their roles (empty for unknown or disabled users). */
    Set<Permission> permissions(String user);

    /** Nodes the user may reach with standing access, with the logins allowed on each. */
    List<NodeAccess> reachableNodes(String user);

    Policy policy();

    static PolicyEvaluator of(Policy policy) {
        return new RuleEvaluator(policy);
    }

    /** A node and the logins a user may use there. */
    record NodeAccess(String node, List<String> logins) {
        public NodeAccess {
            logins = List.copyOf(logins);
        }
    }
}
