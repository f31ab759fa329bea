package dev.gatehouse.policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a grant may be used on one particular node. A request is governed by the first
 * elevation that covers all its nodes, but a label selector can also take in a node that a
 * stricter elevation protects (more approvers, other approver roles, a shorter maximum, a reason,
 * a second factor). The most restrictive rule wins: at use time the grant must also satisfy every
 * elevation for that login that matches the node.
 */
final class GrantCoverage {
    private GrantCoverage() {}

    /** Elevations for {@code login} whose selector matches {@code node}. */
    static List<Elevation> applicable(Policy policy, String login, Node node) {
        return policy.elevations().stream()
                .filter(e -> e.login().equals(login) && RuleEvaluator.matches(e.nodes(), node.labels()))
                .toList();
    }

    /** Why {@code grant} does not cover {@code node}, or null when it does. */
    static String gap(Policy policy, Map<String, User> users, AccessRequest grant, String login, Node node) {
        for (Elevation e : applicable(policy, login, node)) {
            long approvals = grant.approvals().stream()
                    .map(a -> users.get(a.approver()))
                    .filter(u -> u != null && !u.disabled() && Actors.holdsAny(u, e.approvers()))
                    .map(User::name).distinct().count();
            if (approvals < e.approvals()) {
                return "node '" + node.name() + "' needs " + e.approvals() + " approval(s) from " + String.join(", ", e.approvers())
                        + " for login '" + login + "'; request it by name";
            }
            if (grant.duration().compareTo(e.maxDuration()) > 0) {
                return "node '" + node.name() + "' allows login '" + login + "' for at most " + Texts.duration(e.maxDuration());
            }
            if (e.requireReason() && Texts.blank(grant.reason())) {
                return "node '" + node.name() + "' needs a reason for login '" + login + "'";
            }
        }
        return null;
    }

    /** The second factor any applicable elevation asks for on {@code node}, if one does. */
    static Optional<String> secondFactor(Policy policy, String login, Node node) {
        return applicable(policy, login, node).stream().map(Elevation::secondFactor)
                .filter(Optional::isPresent).map(Optional::get).findFirst();
    }
}
