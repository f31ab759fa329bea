package dev.gatehouse.policy;

import java.util.Optional;

/**
 * POSIX login-name rules (portable set: letters, digits, {@code . _ -}, not starting with {@code -},
 * at most 32 characters) plus the rule that {@code root} is never a remote login.
 */
public final class LoginNames {
    public static final String ROOT = "root";

    private LoginNames() {}

    /** Why {@code login} cannot be used, or empty when it is well formed. Does not check forbidden lists. */
    public static Optional<String> problem(String login) {
        return LoginRules.problem(login);
    }
}
