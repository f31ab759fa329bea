package dev.gatehouse.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Just-in-time elevation as pure functions of (policy, state, event, time): making requests,
 * moving them through their states, who may see them, and locks. Nothing here reads a clock or
 * does I/O; the gateway stores and audits what these return. Every refusal is one line for the user.
 *
 * <p>Tenancy: a request belongs to its requester's tenant; only users of that same tenant (none
 * included) may approve, deny, revoke or see it. Which nodes a user may target follows
 * {@link Policy#multiTenant()}.
 */
public final class ElevationRules {
    /** How long a request may wait for approval before it expires. */
    public static final Duration DEFAULT_PENDING_TIMEOUT = Duration.ofHours(1);

    private ElevationRules() {}

    /**
     * A new PENDING request, or why not. The requester must be known and enabled and hold a
     * {@code requesters} role of an elevation for {@code login} whose selector covers every targeted
     * node; the nodes must be in the requester's tenant (a selector is narrowed to them and must
     * still match one); {@code 0 < duration <= max_duration}; a reason when the elevation requires
     * one; the login never root, forbidden or malformed; no lock on the requester, login, nodes or
     * tenant; fewer than 10 pending requests of the requester's already.
     */
    public static Result<AccessRequest> newRequest(Policy policy, String id, String requester, String login,
            NodeTarget target, Duration duration, String reason, Instant now, AccessState state) {
        return newRequest(policy, id, requester, login, target, duration, reason, now, state, DEFAULT_PENDING_TIMEOUT);
    }

    /** As above, with the pending timeout from the gateway's configuration. */
    public static Result<AccessRequest> newRequest(Policy policy, String id, String requester, String login,
            NodeTarget target, Duration duration, String reason, Instant now, AccessState state,
            Duration pendingTimeout) {
        return RequestRules.newRequest(policy, id, requester, login, target, duration, reason, now, state, pendingTimeout);
    }

    /**
     * The request after {@code event}. Expiry and window end are applied first, up to the event's
     * time; on a refusal {@link Result#value()} is the request after that (store it if it changed).
     * Approve: PENDING only, by an enabled approver of the governing elevation, same tenant, never
     * the requester, once per approver, not while a lock matches; at the threshold the request is
     * ACTIVE for {@code [at, at + duration)}. Deny: PENDING, an approver or admin, not the
     * requester, with a reason. Cancel: PENDING, the requester. Revoke: PENDING or ACTIVE, by the
     * requester, an approver or an admin of the same tenant. Withdraw: PENDING or ACTIVE, by the
     * gateway when {@link #withdrawal} finds the policy no longer allows it. Tick: time-driven
     * transitions only.
     */
    public static Result<AccessRequest> apply(Policy policy, AccessRequest request, RequestEvent event, AccessState state) {
        return RequestMachine.apply(policy, request, event, state);
    }

    /**
     * Whether {@code user} may see {@code request} in listings: the requester, approvers for its
     * login and admins or auditors, all of the request's tenant; never another tenant's user.
     * Does not need the requester to still exist.
     */
    public static boolean canSee(Policy policy, String user, AccessRequest request) {
        return AccessRules.canSee(policy, user, request);
    }

    /** Elevations {@code user} may request (empty for unknown or disabled users). */
    public static List<Elevation> elevationsFor(Policy policy, String user) {
        Actors actors = new Actors(policy);
        User known = actors.user(user);
        if (Actors.actorProblem(known) != null) {
            return List.of();
        }
        return policy.elevations().stream().filter(e -> Actors.holdsAny(known, e.requesters())).toList();
    }

    /**
     * Why {@code policy} no longer allows the live {@code request} to stand (R28), or empty: its
     * requester is gone, disabled or moved to another tenant, or no elevation governs it any more
     * (the requester lost the requesting role, the elevation or its nodes were removed, its
     * maximum duration shrank below the request's, its login became forbidden). The gateway then
     * applies {@link RequestEvent.Withdraw}.
     */
    public static Optional<String> withdrawal(Policy policy, AccessRequest request) {
        if (!request.state().live()) {
            return Optional.empty();
        }
        return Optional.ofNullable(RequestMachine.withdrawal(new Actors(policy), request));
    }

    /**
     * {@link #withdrawal} for many requests at once, with the policy's lookups built once: request
     * id to why it must be withdrawn, for the live ones the policy no longer allows (in the order
     * given). The gateway runs this every second over every live request.
     */
    public static java.util.Map<String, String> withdrawals(Policy policy, java.util.Collection<AccessRequest> requests) {
        Actors actors = new Actors(policy);
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (AccessRequest r : requests) {
            if (r.state().live()) {
                String why = RequestMachine.withdrawal(actors, r);
                if (why != null) {
                    out.put(r.id(), why);
                }
            }
        }
        return out;
    }

    /**
     * The elevation that governs {@code request} under {@code policy} (its approvers, threshold and
     * {@code second_factor}), or empty when the policy no longer allows it.
     */
    public static Optional<Elevation> elevation(Policy policy, AccessRequest request) {
        Actors actors = new Actors(policy);
        User requester = actors.user(request.requester());
        if (requester == null) {
            return Optional.empty();
        }
        List<Node> nodes = actors.targeted(request.tenant(), request.target());
        return Optional.ofNullable(actors.governing(requester, request.login(), nodes, request.duration(), request.reason()));
    }

    /**
     * A new lock set by {@code by}, or why not: an enabled admin; a tenant admin only locks users,
     * nodes and the tenant of their own tenant, and their locks apply within it.
     */
    public static Result<Lock> lock(Policy policy, String by, Lock.Kind kind, String name, String reason, Instant at) {
        return AccessRules.lock(policy, by, kind, name, reason, at);
    }

    /**
     * Why {@code by} may not set or lift locks at all ({@code verb}: "lock" or "unlock"): not an
     * enabled admin. Checked before anything about a lock is looked up, so a refusal reveals nothing.
     */
    public static Optional<String> adminProblem(Policy policy, String by, String verb) {
        return Optional.ofNullable(AccessRules.adminProblem(policy, by, verb));
    }

    /** {@code lock} if {@code by} may lift it (an enabled admin of the lock's tenant scope), or why not. */
    public static Result<Lock> unlock(Policy policy, String by, Lock lock) {
        return unlock(policy, by, lock, null);
    }

    /**
     * As {@link #unlock(Policy, String, Lock)}, with the reason given for lifting it: null or free
     * text of at most 500 characters without control or invisible characters (refused otherwise,
     * naming the character), as for a lock's reason.
     */
    public static Result<Lock> unlock(Policy policy, String by, Lock lock, String reason) {
        return AccessRules.unlock(policy, by, lock, reason);
    }
}
