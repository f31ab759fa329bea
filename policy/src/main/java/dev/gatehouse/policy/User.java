package dev.gatehouse.policy;

import java.util.List;
import java.util.Optional;

/**
 * A named person. Users are never deleted from the audit trail; a user marked {@code disabled}
 * (or removed from the file) can no longer log in.
 *
 * @param name unique user name (the identity every audit record names)
 * @param keys public keys as {@code TYPE BASE64} (comments stripped)
 * @param roles role names
 * @param disabled true when the user may not log in
 * @param tenant the tenant the user belongs to, empty for none; see {@link Policy#multiTenant()}
 *     for what reaching a node requires
 */
public record User(String name, List<String> keys, List<String> roles, boolean disabled, Optional<String> tenant) {
    public User {
        keys = List.copyOf(keys);
        roles = List.copyOf(roles);
        tenant = tenant == null ? Optional.empty() : tenant;
    }

    /** A user without a tenant (the shape before tenants existed). */
    public User(String name, List<String> keys, List<String> roles, boolean disabled) {
        this(name, keys, roles, disabled, Optional.empty());
    }
}
