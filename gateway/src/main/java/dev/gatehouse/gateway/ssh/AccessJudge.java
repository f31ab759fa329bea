package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.IdentityCheck;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Decision;
import java.time.Instant;
import java.util.Optional;

/**
 * Judges whether a person may use a login on a node, once, against one policy snapshot and one
 * access state, with the pure evaluator; the {@link Verdict} is carried from authentication (where
 * it decides whether a TOTP code is asked) to the channel and to the moment the node's channel
 * opens. Each later step calls {@link #recheck}, which keeps the verdict when nothing it was made
 * from changed (the same policy snapshot, the same access state, a grant not yet ended) and
 * otherwise judges again the same way: a lock, a revoke, a new grant or a policy reload in
 * between is always seen.
 */
final class AccessJudge {
    private AccessJudge() {}

    /**
     * One decision and what it was made from.
     *
     * @param problem why the person's proven identity no longer holds (R28), or null
     * @param secondFactor whether this use needs a TOTP code: an elevated login whose elevations
     *     ask for it, in this same snapshot
     */
    record Verdict(PolicyHolder.Snapshot snapshot, AccessState access, Identity identity, String login, String node,
            Decision decision, String problem, boolean secondFactor) {

        boolean allowed() {
            return problem == null && decision.allowed();
        }

        /** One line for the user and the audit log: why this use is refused; null when it is allowed. */
        String refusal() {
            return problem != null ? problem : decision.allowed() ? null : decision.reason();
        }
    }

    /** Judges {@code identity} using {@code login} on {@code node} at {@code now}. */
    static Verdict judge(PolicyHolder.Snapshot snapshot, AccessState access, Identity identity, String login, String node,
            Instant now) {
        Optional<String> gone = IdentityCheck.problem(snapshot, access, identity);
        Decision decision = snapshot.evaluator().decide(identity.user(), login, node, access, now);
        boolean totp = decision.allowed() && decision.viaGrant()
                && snapshot.evaluator().secondFactor(login, node).filter("totp"::equals).isPresent();
        return new Verdict(snapshot, access, identity, login, node, decision, gone.orElse(null), totp);
    }

    /** {@code earlier} when nothing it depends on changed by {@code now}; else a new verdict from the current inputs. */
    static Verdict recheck(Verdict earlier, PolicyHolder.Snapshot snapshot, AccessState access, Instant now) {
        Instant grantEnd = earlier.decision().grantEnd();
        if (earlier.snapshot() == snapshot && earlier.access() == access && (grantEnd == null || now.isBefore(grantEnd))) {
            return earlier;
        }
        return judge(snapshot, access, earlier.identity(), earlier.login(), earlier.node(), now);
    }
}
