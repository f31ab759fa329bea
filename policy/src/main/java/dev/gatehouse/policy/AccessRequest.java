package dev.gatehouse.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A just-in-time elevation request and, once approved, its grant. Immutable: every transition
 * ({@link ElevationRules#apply}) returns a new value, which the gateway stores and audits.
 * Names in it are plain strings, never looked up, so old requests of users since removed from
 * the policy still list and replay.
 *
 * @param id unique id chosen by the caller
 * @param requester user name of the person asking
 * @param tenant the requester's tenant when the request was made, null for none
 * @param login the elevated login
 * @param target the node or label selector asked for
 * @param duration the requested window length
 * @param reason why, as typed; null when none was given
 * @param createdAt when it was made
 * @param pendingUntil after this instant an unapproved request is EXPIRED
 * @param state where it stands
 * @param approvals distinct approvals so far, oldest first
 * @param closedBy who denied, cancelled or revoked it; null while live and for EXPIRED/ENDED
 * @param closedAt when it reached a final state; null while live
 * @param closeReason the denial reason or a short note on how it ended; null while live
 * @param windowStart when the grant started (the final approval); null until ACTIVE
 * @param windowEnd {@code windowStart + duration}; null until ACTIVE
 */
public record AccessRequest(
        String id,
        String requester,
        String tenant,
        String login,
        NodeTarget target,
        Duration duration,
        String reason,
        Instant createdAt,
        Instant pendingUntil,
        RequestState state,
        List<Approval> approvals,
        String closedBy,
        Instant closedAt,
        String closeReason,
        Instant windowStart,
        Instant windowEnd) {

    public AccessRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(requester, "requester");
        Objects.requireNonNull(login, "login");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(pendingUntil, "pendingUntil");
        Objects.requireNonNull(state, "state");
        approvals = approvals == null ? List.of() : List.copyOf(approvals);
        if (state == RequestState.ACTIVE && (windowStart == null || windowEnd == null)) {
            throw new IllegalArgumentException("an ACTIVE request needs its window");
        }
    }

    /** A new PENDING request. */
    static AccessRequest pending(String id, String requester, String tenant, String login, NodeTarget target,
            Duration duration, String reason, Instant createdAt, Instant pendingUntil) {
        return new AccessRequest(id, requester, tenant, login, target, duration, reason, createdAt, pendingUntil,
                RequestState.PENDING, List.of(), null, null, null, null, null);
    }

    /**
     * Whether this request is for {@code login} on {@code node}. Says nothing about state, time or
     * tenancy: {@link PolicyEvaluator#decide(String, String, String, AccessState, Instant)} checks those.
     */
    public boolean covers(String login, Node node) {
        return this.login.equals(login) && target.matches(node);
    }

    /** ACTIVE with {@code now} in {@code [windowStart, windowEnd)}. */
    public boolean activeAt(Instant now) {
        return state == RequestState.ACTIVE && !now.isBefore(windowStart) && now.isBefore(windowEnd);
    }

    /** Whether {@code user} has approved already. */
    public boolean approvedBy(String user) {
        return approvals.stream().anyMatch(a -> a.approver().equals(user));
    }

    AccessRequest withApproval(Approval approval) {
        List<Approval> more = new ArrayList<>(approvals);
        more.add(approval);
        return new AccessRequest(id, requester, tenant, login, target, duration, reason, createdAt, pendingUntil,
                state, more, closedBy, closedAt, closeReason, windowStart, windowEnd);
    }

    /** The window starts at the final approval, not at the request, so waiting costs no grant time. */
    AccessRequest activate(Instant start) {
        return new AccessRequest(id, requester, tenant, login, target, duration, reason, createdAt, pendingUntil,
                RequestState.ACTIVE, approvals, null, null, null, start, start.plus(duration));
    }

    AccessRequest close(RequestState finalState, String by, Instant at, String why) {
        return new AccessRequest(id, requester, tenant, login, target, duration, reason, createdAt, pendingUntil,
                finalState, approvals, by, at, why, windowStart, windowEnd);
    }
}
