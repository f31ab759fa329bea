package dev.gatehouse.policy;

import java.util.Objects;

/**
 * The tenant rule, in one place so decisions, requests, approvals and listings cannot drift apart.
 * Nodes belong to the tenant their {@code tenant} label names; users to their {@code tenant} field.
 * See {@link Policy#multiTenant()}.
 */
final class Tenants {
    private Tenants() {}

    static String of(Node node) {
        return node.labels().get(Node.TENANT_LABEL);
    }

    static String of(User user) {
        return user.tenant().orElse(null);
    }

    /**
     * May a user of {@code userTenant} (null: none) reach {@code node} at all? Strict equality,
     * "none" included, once any user declares a tenant; in a policy without user tenants every
     * user is unconfined and role selectors decide, as before tenants existed.
     */
    static boolean reaches(boolean multiTenant, String userTenant, Node node) {
        if (!multiTenant && userTenant == null) {
            return true;
        }
        return Objects.equals(userTenant, of(node));
    }

    /** Requests, approvals, revocations and listings never cross tenants, in either mode. */
    static boolean same(String a, String b) {
        return Objects.equals(a, b);
    }
}
