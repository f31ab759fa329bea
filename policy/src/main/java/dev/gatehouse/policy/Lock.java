package dev.gatehouse.policy;

import java.time.Instant;
import java.util.Objects;

/**
 * A kill switch: while it is on, matching sessions end, new ones and new certificates are refused
 * and requests cannot be approved.
 *
 * @param kind what {@code name} names
 * @param name the user, node, login or tenant locked
 * @param tenant the tenant the lock applies to (the locking admin's), or null for every tenant;
 *     a tenant admin's {@code lock login mlops} must not lock another tenant out
 * @param by the admin who set it
 * @param at when
 * @param reason why; may be null
 */
public record Lock(Kind kind, String name, String tenant, String by, Instant at, String reason) {
    public enum Kind { USER, NODE, LOGIN, TENANT }

    public Lock {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(at, "at");
    }

    /** A lock that applies in every tenant. */
    public Lock(Kind kind, String name, String by, Instant at, String reason) {
        this(kind, name, null, by, at, reason);
    }

    /**
     * Whether this lock stops {@code user} (of {@code userTenant}) using {@code login} on
     * {@code node} (of {@code nodeTenant}). Any argument may be null when it does not apply.
     * Logins match whatever their case, like the forbidden-login check.
     */
    public boolean matches(String user, String userTenant, String login, String node, String nodeTenant) {
        if (tenant != null && !tenant.equals(userTenant) && !tenant.equals(nodeTenant)) {
            return false;
        }
        return switch (kind) {
            case USER -> name.equals(user);
            case NODE -> name.equals(node);
            case LOGIN -> name.equalsIgnoreCase(login == null ? "" : login);
            case TENANT -> name.equals(userTenant) || name.equals(nodeTenant);
        };
    }

    /** {@code user 'bob'}, {@code tenant 'team-a'}: the subject of "... is locked". */
    public String describe() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + Names.quote(name);
    }
}
