package dev.gatehouse.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** Checks a new elevation request; see {@link ElevationRules#newRequest}. */
final class RequestRules {
    /**
     * Pending requests one person may have at once (R30): approvers' lists stay readable, and
     * nobody can make the gateway's once-a-second re-judging of every live request slow for all.
     */
    static final int MAX_PENDING_PER_PERSON = 10;

    private RequestRules() {}

    static Result<AccessRequest> newRequest(Policy policy, String id, String requester, String login,
            NodeTarget target, Duration duration, String reason, Instant now, AccessState state,
            Duration pendingTimeout) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(state, "state");
        if (pendingTimeout == null || pendingTimeout.isZero() || pendingTimeout.isNegative()) {
            throw new IllegalArgumentException("pendingTimeout must be positive");
        }
        if (Texts.blank(id)) {
            return Result.refused("a request needs an id");
        }
        if (state.request(id).isPresent()) {
            return Result.refused("request id " + Names.quote(id) + " is already in use");
        }
        Actors actors = new Actors(policy);
        User user = actors.user(requester);
        String problem = Actors.actorProblem(user);
        if (problem == null) {
            problem = actors.loginProblem(login);
        }
        if (problem != null) {
            return Result.refused(problem);
        }
        if (target == null) {
            return Result.refused("no node or label selector given");
        }
        String tenant = Tenants.of(user);
        List<Node> nodes;
        if (target.isSelector()) {
            nodes = actors.targeted(tenant, target);
            if (nodes.isEmpty()) {
                return Result.refused("selector " + Names.quote(target.toString()) + " matches no node you can reach");
            }
        } else {
            Node node = policy.node(target.node()).orElse(null);
            if (node == null) {
                return Result.refused("unknown node " + Names.quote(target.node()));
            }
            if (!actors.reaches(tenant, node)) {
                return Result.refused("node " + Names.quote(node.name()) + " belongs to another tenant");
            }
            nodes = List.of(node);
        }
        String refusal = elevationProblem(actors, user, login, nodes, duration, reason);
        if (refusal != null) {
            return Result.refused(refusal);
        }
        Lock lock = Actors.lockFor(state, user.name(), tenant, login, nodes);
        if (lock != null) {
            return Result.refused(lock.describe() + " is locked");
        }
        long pending = state.requests().stream()
                .filter(r -> r.state() == RequestState.PENDING && r.requester().equals(user.name()) && now.isBefore(r.pendingUntil()))
                .count();
        if (pending >= MAX_PENDING_PER_PERSON) {
            return Result.refused("you already have " + pending + " pending requests, the most one person may have;"
                    + " cancel one (cancel ID) or wait for a decision");
        }
        String kept = Texts.blank(reason) ? null : reason.strip();
        return Result.ok(AccessRequest.pending(id, user.name(), tenant, login, target, duration, kept, now,
                now.plus(pendingTimeout)));
    }

    /**
     * Why no elevation allows this request, or null. Filters step by step so the refusal names the
     * first thing the requester can change (role, nodes, duration, reason).
     */
    private static String elevationProblem(Actors actors, User user, String login, List<Node> nodes,
            Duration duration, String reason) {
        if (duration == null || duration.isZero() || duration.isNegative()) {
            return "duration must be longer than 0, such as 30m";
        }
        String textProblem = Texts.problem(reason, "reason");
        if (textProblem != null) {
            return textProblem;
        }
        String quoted = Names.quote(login);
        if (actors.policy.elevations().stream().noneMatch(e -> e.login().equals(login))) {
            return "login " + quoted + " cannot be requested: no elevation grants it";
        }
        List<Elevation> mine = actors.requestable(user, login);
        if (mine.isEmpty()) {
            return "you may not request login " + quoted + ": none of your roles is a requester for it";
        }
        List<Elevation> covering = mine.stream().filter(e -> Actors.coversAll(e, nodes)).toList();
        if (covering.isEmpty()) {
            for (Node node : nodes) {
                if (mine.stream().noneMatch(e -> RuleEvaluator.matches(e.nodes(), node.labels()))) {
                    return "elevation to " + quoted + " does not cover node " + Names.quote(node.name());
                }
            }
            return "no single elevation to " + quoted + " covers all " + nodes.size()
                    + " nodes; request them in smaller groups";
        }
        List<Elevation> longEnough = covering.stream().filter(e -> duration.compareTo(e.maxDuration()) <= 0).toList();
        if (longEnough.isEmpty()) {
            Duration max = covering.stream().map(Elevation::maxDuration).max(Duration::compareTo).orElseThrow();
            return "duration " + Texts.duration(duration) + " is longer than the " + Texts.duration(max)
                    + " maximum for login " + quoted;
        }
        if (longEnough.stream().noneMatch(e -> Actors.accepts(e, duration, reason))) {
            return "a reason is required for login " + quoted + " (--reason TEXT)";
        }
        return null;
    }
}
