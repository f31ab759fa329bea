package dev.gatehouse.policy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Pure access decisions: no I/O, no clock reads beyond what callers pass in. Deny wins over allow:
 * a lock, a forbidden or malformed login, a disabled or unknown user, an unknown node or another
 * tenant's node is refused whatever any role or grant says.
 */
public interface PolicyEvaluator {

    /** May {@code user} open a session on {@code node} as {@code login} with standing access? */
    Decision decide(String user, String login, String node);

    /**
     * May {@code user} open, or keep, a session on {@code node} as {@code login} at {@code now},
     * given the locks and grants in {@code state}? Deny wins: a matching lock first ({@code user
     * 'bob' is locked}), then the standing-access refusals, then tenancy ({@code node 'x' belongs
     * to another tenant}); then standing roles allow; then an ACTIVE grant of this user covering
     * (login, node) with {@code now} in its window allows with {@link Decision#grantId()} and
     * {@link Decision#grantEnd()}. Gateways re-run this for live sessions to enforce revocation,
     * locks and expiry.
     */
    Decision decide(String user, String login, String node, AccessState state, Instant now);

    /**
     * May {@code user}, whose connection is logged in as {@code login} on {@code node}, open a local
     * forward ({@code direct-tcpip}, RFC 4254 section 7.2; {@code ssh -L} and {@code ssh -D}) to
     * {@code host}:{@code port} as seen from that node, at {@code now}? Deny wins, in this order:
     * whatever {@link #decide(String, String, String, AccessState, Instant)} refuses for the login
     * itself (locks, root, disabled users, tenancy, no role or grant); a {@code host} that is not
     * the node's loopback ({@link ForwardTarget#loopback}); a {@code port} outside 1-65535; then a
     * port that no role of the user whose node selector matches {@code node} lists under
     * {@code forward.ports}. An allow names the role and carries the login decision's grant, so the
     * forward ends with the grant.
     *
     * @param host the destination host as the client sent it
     * @param port the destination TCP port as the client sent it (any int; out of range is refused)
     */
    Decision decideForward(String user, String login, String node, String host, int port, AccessState state, Instant now);

    /**
     * May {@code user} open {@code app} on {@code node} through the HTTPS app proxy at {@code now}?
     * Deny wins, in this order: an unknown app ({@code no app 'x'}), an unknown node, a node the
     * app's selector does not match ({@code app 'x' is not on node 'y'}); then whatever
     * {@link #decide(String, String, String, AccessState, Instant)} refuses for the app's login
     * before looking at roles (locks on user, node, login or tenant; a malformed, root or forbidden
     * login; an unknown or disabled user; another tenant's node). An app acts on the node as its
     * login, so opening it exercises that login: then no role of the user listing the app refuses
     * ({@code no role of user 'u' allows app 'x'}); then the login itself must be the user's on
     * that node, exactly as {@code decide} judges it: with standing access through a role whose
     * selector matches the node, provided a role listing the app matches the node too (the reason
     * names both), or through an ACTIVE grant covering (app login, node) at {@code now}, with
     * {@link Decision#grantId()} and {@link Decision#grantEnd()}. Otherwise the login's refusal,
     * prefixed with the app ({@code app 'x' runs as login 'mlops': no active grant ... (request
     * one with: ...)}). Re-run for live app sessions to enforce locks, revocation and expiry.
     */
    Decision decideApp(String user, String app, String node, AccessState state, Instant now);

    /**
     * The apps and nodes {@code user} may open with standing access (no grants), own tenant only,
     * sorted by app then node; empty for unknown or disabled users.
     */
    List<AppAccess> reachableApps(String user);

    /** Gateway permissions the user holds through their roles (empty for unknown or disabled users). */
    Set<Permission> permissions(String user);

    /**
     * The second factor (e.g. {@code totp}) that elevated use of {@code login} on {@code node}
     * needs: asked for by any elevation for that login matching the node (the strictest rule wins).
     */
    Optional<String> secondFactor(String login, String node);

    /** Nodes the user may reach with standing access, with the logins allowed on each (own tenant only). */
    List<NodeAccess> reachableNodes(String user);

    Policy policy();

    static PolicyEvaluator of(Policy policy) {
        return new RuleEvaluator(policy);
    }

    /** An app on one node, addressed as {@code APP--NODE.apps.HOST}. */
    record AppAccess(String app, String node) {}

    /** A node and the logins a user may use there. */
    record NodeAccess(String node, List<String> logins) {
        public NodeAccess {
            logins = List.copyOf(logins);
        }
    }
}
