package dev.gatehouse.policy;

import java.time.Instant;

/**
 * The outcome of a policy evaluation.
 *
 * @param allowed whether access is granted
 * @param reason for a deny, the one line the user sees and the audit log keeps (no prefix);
 *     for an allow, which rule allowed it (e.g. {@code role engineer} or {@code grant r-17})
 * @param grantId for an allow through a just-in-time grant, the request id; null otherwise
 * @param grantEnd for an allow through a grant, when it ends: certificates must not outlive it
 *     and the session is cut then; null otherwise
 */
public record Decision(boolean allowed, String reason, String grantId, Instant grantEnd) {
    public Decision {
        if ((grantId == null) != (grantEnd == null)) {
            throw new IllegalArgumentException("grantId and grantEnd go together");
        }
        if (grantId != null && !allowed) {
            throw new IllegalArgumentException("a deny carries no grant");
        }
    }

    /** A decision without a grant. */
    public Decision(boolean allowed, String reason) {
        this(allowed, reason, null, null);
    }

    public static Decision allow(String rule) {
        return new Decision(true, rule);
    }

    public static Decision deny(String reason) {
        return new Decision(false, reason);
    }

    /** Allowed through the active grant {@code grantId}, which ends at {@code grantEnd}. */
    public static Decision allowGrant(String grantId, Instant grantEnd) {
        return new Decision(true, "grant " + grantId, grantId, grantEnd);
    }

    /** True when the allow rests on a just-in-time grant rather than standing access. */
    public boolean viaGrant() {
        return grantId != null;
    }
}
