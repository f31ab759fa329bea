package dev.gatehouse.policy;

import dev.gatehouse.policy.RequestEvent.Approve;
import dev.gatehouse.policy.RequestEvent.Cancel;
import dev.gatehouse.policy.RequestEvent.Deny;
import dev.gatehouse.policy.RequestEvent.Revoke;
import dev.gatehouse.policy.RequestEvent.Tick;
import dev.gatehouse.policy.RequestEvent.Withdraw;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The request state machine; see {@link ElevationRules#apply}.
 *
 * <p>Implementation notes: time-driven transitions run first, up to the event's time, so an
 * approval arriving after the pending timeout finds an EXPIRED request even if no Tick was ever
 * applied (a gateway that was down must not resurrect stale requests). Every check that depends
 * on the policy (roles, tenants, the governing elevation) is evaluated against the policy passed
 * in, never against what was true when the request was made.
 */
final class RequestMachine {
    private RequestMachine() {}

    static Result<AccessRequest> apply(Policy policy, AccessRequest request, RequestEvent event, AccessState state) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(state, "state");
        Instant at = Objects.requireNonNull(event.at(), "event time");
        if (at.isBefore(request.createdAt())) {
            return Result.refused("the event is dated before the request was made", request);
        }
        AccessRequest current = timePassed(request, at);
        Actors actors = new Actors(policy);
        if (event instanceof Tick) {
            return Result.ok(current);
        } else if (event instanceof Approve approve) {
            return approve(actors, current, approve, state);
        } else if (event instanceof Deny deny) {
            return deny(actors, current, deny);
        } else if (event instanceof Cancel cancel) {
            return cancel(actors, current, cancel);
        } else if (event instanceof Withdraw withdraw) {
            return withdraw(current, withdraw);
        } else {
            return revoke(actors, current, (Revoke) event);
        }
    }

    /** PENDING past its deadline becomes EXPIRED, ACTIVE past its window ENDED; dated when it happened. */
    static AccessRequest timePassed(AccessRequest r, Instant at) {
        if (r.state() == RequestState.PENDING && !at.isBefore(r.pendingUntil())) {
            Duration waited = Duration.between(r.createdAt(), r.pendingUntil());
            return r.close(RequestState.EXPIRED, null, r.pendingUntil(), "not approved within " + Texts.duration(waited));
        }
        if (r.state() == RequestState.ACTIVE && !at.isBefore(r.windowEnd())) {
            return r.close(RequestState.ENDED, null, r.windowEnd(), "grant ended");
        }
        return r;
    }

    private static Result<AccessRequest> approve(Actors actors, AccessRequest r, Approve e, AccessState state) {
        if (r.state() != RequestState.PENDING) {
            return Result.refused(notPending(r.state()), r);
        }
        User approver = actors.user(e.approver());
        String problem = actorProblem(approver, r);
        if (problem == null && e.approver().equals(r.requester())) {
            problem = "you cannot approve your own request";
        }
        if (problem != null) {
            return Result.refused(problem, r);
        }
        User requester = actors.user(r.requester());
        String requesterProblem = requesterProblem(requester, r);
        if (requesterProblem != null) {
            return Result.refused(requesterProblem, r);
        }
        List<Node> nodes = actors.targeted(r.tenant(), r.target());
        Elevation governing = actors.governing(requester, r.login(), nodes, r.duration(), r.reason());
        if (governing == null) {
            return Result.refused("the policy no longer allows this request", r);
        }
        if (!Actors.holdsAny(approver, governing.approvers())) {
            return Result.refused("you are not an approver for login " + Names.quote(r.login()), r);
        }
        if (r.approvedBy(approver.name())) {
            return Result.refused("you have already approved this request", r);
        }
        String commentProblem = Texts.problem(e.comment(), "comment");
        if (commentProblem != null) {
            return Result.refused(commentProblem, r);
        }
        Lock lock = Actors.lockFor(state, approver.name(), Tenants.of(approver), null, List.of());
        if (lock == null) {
            lock = Actors.lockFor(state, r.requester(), r.tenant(), r.login(), nodes);
        }
        if (lock != null) {
            return Result.refused("requests cannot be approved while " + lock.describe() + " is locked", r);
        }
        String comment = Texts.blank(e.comment()) ? null : e.comment().strip();
        AccessRequest approved = r.withApproval(new Approval(approver.name(), comment, e.at()));
        // Count only approvers who are still eligible now: one whose role was removed by a policy
        // reload must not help reach the threshold.
        long counted = approved.approvals().stream().map(Approval::approver).distinct()
                .map(actors::user)
                .filter(u -> actorProblem(u, r) == null && !u.name().equals(r.requester())
                        && Actors.holdsAny(u, governing.approvers()))
                .count();
        return Result.ok(counted >= governing.approvals() ? approved.activate(e.at()) : approved);
    }

    private static Result<AccessRequest> deny(Actors actors, AccessRequest r, Deny e) {
        if (r.state() != RequestState.PENDING) {
            return Result.refused(notPending(r.state()), r);
        }
        User actor = actors.user(e.approver());
        String problem = actorProblem(actor, r);
        if (problem == null && e.approver().equals(r.requester())) {
            problem = "you cannot deny your own request; cancel it instead";
        }
        if (problem == null && !actors.approverOf(actor, r.login()) && !actors.permissions(actor).contains(Permission.ADMIN)) {
            problem = "you are not an approver for login " + Names.quote(r.login());
        }
        if (problem == null && Texts.blank(e.reason())) {
            problem = "a reason is required to deny a request (--reason TEXT)";
        }
        if (problem == null) {
            problem = Texts.problem(e.reason(), "reason");
        }
        if (problem != null) {
            return Result.refused(problem, r);
        }
        return Result.ok(r.close(RequestState.DENIED, actor.name(), e.at(), e.reason().strip()));
    }

    private static Result<AccessRequest> cancel(Actors actors, AccessRequest r, Cancel e) {
        if (r.state() == RequestState.ACTIVE) {
            return Result.refused("request is already approved; revoke it instead", r);
        }
        if (r.state() != RequestState.PENDING) {
            return Result.refused(notPending(r.state()), r);
        }
        User actor = actors.user(e.by());
        String problem = actorProblem(actor, r);
        if (problem == null && !actor.name().equals(r.requester())) {
            problem = "only the requester can cancel this request";
        }
        if (problem != null) {
            return Result.refused(problem, r);
        }
        return Result.ok(r.close(RequestState.CANCELLED, actor.name(), e.at(), "cancelled by the requester"));
    }

    private static Result<AccessRequest> revoke(Actors actors, AccessRequest r, Revoke e) {
        if (r.state() == RequestState.ENDED || r.state() == RequestState.EXPIRED) {
            return Result.refused("grant has already ended", r);
        }
        if (!r.state().live()) {
            return Result.refused(notPending(r.state()), r);
        }
        User actor = actors.user(e.by());
        String problem = actorProblem(actor, r);
        if (problem == null && !actor.name().equals(r.requester()) && !actors.approverOf(actor, r.login())
                && !actors.permissions(actor).contains(Permission.ADMIN)) {
            problem = "you may not revoke this request: only the requester, an approver for login "
                    + Names.quote(r.login()) + " or an admin can";
        }
        if (problem != null) {
            return Result.refused(problem, r);
        }
        return Result.ok(r.close(RequestState.REVOKED, actor.name(), e.at(), "revoked by " + actor.name()));
    }

    private static Result<AccessRequest> withdraw(AccessRequest r, Withdraw e) {
        if (!r.state().live()) {
            return Result.refused(notPending(r.state()), r);
        }
        if (Texts.blank(e.reason()) || Texts.blank(e.by())) {
            return Result.refused("a withdrawal names who withdrew it and why", r);
        }
        return Result.ok(r.close(RequestState.REVOKED, e.by(), e.at(), e.reason().strip()));
    }

    /** Why the policy no longer allows {@code r} (see {@link ElevationRules#withdrawal}), or null. */
    static String withdrawal(Actors actors, AccessRequest r) {
        User requester = actors.user(r.requester());
        String problem = requesterProblem(requester, r);
        if (problem != null) {
            return problem;
        }
        List<Node> nodes = actors.targeted(r.tenant(), r.target());
        if (actors.governing(requester, r.login(), nodes, r.duration(), r.reason()) == null) {
            return "the policy no longer allows " + Names.quote(r.requester()) + " to hold login " + Names.quote(r.login())
                    + " on " + r.target();
        }
        return null;
    }

    /**
     * Why {@code actor} may not act on {@code r} at all, or null. Another tenant's request is
     * reported as not found in the actor's tenant, so ids do not reveal other tenants' activity.
     */
    private static String actorProblem(User actor, AccessRequest r) {
        String problem = Actors.actorProblem(actor);
        if (problem == null && !Tenants.same(Tenants.of(actor), r.tenant())) {
            problem = "no request " + Names.quote(r.id()) + " in your tenant";
        }
        return problem;
    }

    /** The requester must still be allowed to hold a grant when it is approved. */
    private static String requesterProblem(User requester, AccessRequest r) {
        String quoted = Names.quote(r.requester());
        if (requester == null) {
            return "requester " + quoted + " is no longer in the policy";
        }
        if (requester.disabled()) {
            return "requester " + quoted + " is disabled";
        }
        if (!Tenants.same(Tenants.of(requester), r.tenant())) {
            return "requester " + quoted + " has moved to another tenant";
        }
        return null;
    }

    /** The refusal for acting on a request that is no longer pending. */
    static String notPending(RequestState state) {
        return switch (state) {
            case PENDING -> "request is still pending";
            case ACTIVE -> "request is already approved";
            case DENIED -> "request was denied";
            case EXPIRED -> "request has expired";
            case CANCELLED -> "request was cancelled";
            case ENDED -> "grant has already ended";
            case REVOKED -> "request was revoked";
        };
    }
}
