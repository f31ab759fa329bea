package dev.gatehouse.policy;

import java.time.Instant;

/**
 * Something that happens to an {@link AccessRequest}; {@link ElevationRules#apply} turns a request
 * and an event into the next request. Every event carries its time, so transitions never read a clock.
 */
public sealed interface RequestEvent {
    /** When it happened; time-driven transitions (expiry, window end) are applied up to here first. */
    Instant at();

    /** An approver says yes; {@code comment} may be null. */
    record Approve(String approver, String comment, Instant at) implements RequestEvent {}

    /** An approver says no; a reason is required. */
    record Deny(String approver, String reason, Instant at) implements RequestEvent {}

    /** The requester withdraws a pending request. */
    record Cancel(String by, Instant at) implements RequestEvent {}

    /** The requester, an approver or an admin ends a pending request or a running grant. */
    record Revoke(String by, Instant at) implements RequestEvent {}

    /**
     * The policy no longer allows a pending request or a running grant ({@link
     * ElevationRules#withdrawal} says why): it ends as REVOKED by {@code by} (the gateway itself),
     * with {@code reason} as its close reason. Needs no permission: nobody asked for it.
     */
    record Withdraw(String by, String reason, Instant at) implements RequestEvent {}

    /** Time passes: pending too long → EXPIRED, window over → ENDED. */
    record Tick(Instant at) implements RequestEvent {}
}
