package dev.gatehouse.policy;

import java.util.Optional;

/**
 * POSIX portable login names: 1 to 32 characters from {@code [A-Za-z0-9._-]}, not starting with
 * {@code -}. Anything else is refused before it can reach a certificate principal, a node's
 * {@code AuthorizedPrincipalsFile} or a shell: {@code ,} would smuggle a second principal into a
 * certificate, wildcards match other names, {@code /} and dot-only names walk paths.
 */
final class LoginRules {
    static final int MAX_LENGTH = 32;

    private LoginRules() {}

    static Optional<String> problem(String login) {
        if (login == null || login.isEmpty()) {
            return Optional.of("login name is empty");
        }
        // One pass without streams: this runs on every connection and sits in decide()'s budget.
        boolean allDigits = true;
        boolean allDots = true;
        for (int i = 0; i < login.length(); i++) {
            char c = login.charAt(i);
            String what = characterProblem(c);
            if (what != null) {
                return Optional.of("login name " + Names.quote(login) + " " + what);
            }
            allDigits &= c >= '0' && c <= '9';
            allDots &= c == '.';
        }
        if (login.charAt(0) == '-') {
            return Optional.of("login name " + Names.quote(login) + " starts with '-'");
        }
        if (login.length() > MAX_LENGTH) {
            return Optional.of("login name " + Names.quote(login) + " is longer than " + MAX_LENGTH + " characters");
        }
        if (allDigits) {
            return Optional.of("login name " + Names.quote(login) + " is all digits, which is read as a user id");
        }
        if (allDots) {
            return Optional.of("login name " + Names.quote(login) + " is only dots");
        }
        return Optional.empty();
    }

    /** Why one character is not allowed, or null when it is. */
    private static String characterProblem(char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
            return null;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b) {
            return "contains whitespace";
        }
        if (c < 0x20 || c == 0x7f) {
            return "contains a control character";
        }
        if (c > 0x7f) {
            return "contains a non-ASCII character";
        }
        return "contains '" + c + "'; use only letters, digits, '.', '_' and '-'";
    }
}
