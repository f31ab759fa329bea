package dev.gatehouse.policy;

/**
 * The outcome of a policy evaluation.
 *
 * @param allowed whether access is granted
 * @param reason for a deny, the one line the user sees and the audit log keeps (no prefix);
 *     for an allow, which rule allowed it (e.g. {@code role engineer})
 */
public record Decision(boolean allowed, String reason) {

    public static Decision allow(String rule) {
        return new Decision(true, rule);
    }

    public static Decision deny(String reason) {
        return new Decision(false, reason);
    }
}
