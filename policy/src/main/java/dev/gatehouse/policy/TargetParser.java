package dev.gatehouse.policy;

import java.util.Objects;
import java.util.Optional;

/** Splits an SSH user name {@code LOGIN@NODE}; see {@link Target#parse}. */
final class TargetParser {
    private TargetParser() {}

    static Optional<Target> parse(String sshUser) {
        Objects.requireNonNull(sshUser, "sshUser");
        // The last '@' separates the node, so a login containing '@' stays in one piece and is
        // then refused by LoginNames rather than silently re-targeted.
        int at = sshUser.lastIndexOf('@');
        if (at < 0) {
            return Optional.empty();
        }
        String login = sshUser.substring(0, at);
        String node = sshUser.substring(at + 1);
        if (node.isEmpty()) {
            throw new IllegalArgumentException("no node after '@' in user name");
        }
        if (!Names.NODE.matcher(node).matches()) {
            throw new IllegalArgumentException("node name " + Names.quote(node)
                    + " is not valid: use letters, digits, '.', '_' and '-', at most 63 characters");
        }
        return Optional.of(new Target(login, node));
    }
}
