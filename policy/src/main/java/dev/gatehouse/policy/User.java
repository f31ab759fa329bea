package dev.gatehouse.policy;

import java.util.List;

/**
 * A named person. Users are never deleted from the audit trail; a user marked {@code disabled}
 * (or removed from the file) can no longer log in.
 *
 * @param name unique user name (the identity every audit record names)
 * @param keys public keys as {@code TYPE BASE64} (comments stripped)
 * @param roles role names
 * @param disabled true when the user may not log in
 */
public record User(String name, List<String> keys, List<String> roles, boolean disabled) {
    public User {
        keys = List.copyOf(keys);
        roles = List.copyOf(roles);
    }
}
