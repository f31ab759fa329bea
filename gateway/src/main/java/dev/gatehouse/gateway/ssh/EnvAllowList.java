package dev.gatehouse.gateway.ssh;

import java.util.List;

/**
 * Which environment variables ({@code env} requests, RFC 4254 section 6.4) are passed on to the
 * node: {@link #PATTERNS}, matched as OpenSSH matches {@code AcceptEnv} (sshd_config(5),
 * PATTERNS in ssh_config(5): {@code *} is any run of characters, none included, {@code ?} is
 * exactly one; case matters). So {@code LC_*} passes {@code LC_ALL}, {@code LC_QA1}, {@code LC_qa}
 * and {@code LC_}, as a direct login to an OpenSSH node with {@code AcceptEnv LANG LC_*} would.
 */
final class EnvAllowList {
    /** The allow-list, in OpenSSH pattern syntax; the README states the same list. */
    static final List<String> PATTERNS = List.of("LANG", "LC_*", "TERM");

    private EnvAllowList() {}

    /** True when {@code name} is a valid variable name that one of {@link #PATTERNS} matches. */
    static boolean allows(String name) {
        return invalidName(name) == null && PATTERNS.stream().anyMatch(p -> matches(name, p));
    }

    /**
     * Why {@code name} cannot be an environment variable's name, or null: empty, or containing
     * {@code =} (it would end the name in the node's {@code NAME=VALUE} string), NUL (it would cut
     * it) or another control character.
     */
    static String invalidName(String name) {
        if (name == null || name.isEmpty()) {
            return "empty variable name";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '=') {
                return "variable name contains '='";
            }
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                return "variable name contains a control character";
            }
        }
        return null;
    }

    /**
     * Whether {@code text} matches {@code pattern} with OpenSSH's wildcards ({@code *}, {@code ?}),
     * the whole text, case-sensitively. Linear backtracking to the last {@code *}: no recursion,
     * so a hostile name cannot make matching slow.
     */
    static boolean matches(String text, String pattern) {
        int t = 0;
        int p = 0;
        int star = -1;
        int resume = 0;
        while (t < text.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))
                    && pattern.charAt(p) != '*') {
                t++;
                p++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = t;
            } else if (star >= 0) {
                p = star + 1;
                t = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
