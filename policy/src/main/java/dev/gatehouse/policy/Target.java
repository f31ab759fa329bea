package dev.gatehouse.policy;

import java.util.Optional;

/**
 * Where an SSH user name points: {@code LOGIN@NODE} opens a session on NODE as LOGIN; a name
 * without {@code @} means the gateway's own command shell.
 *
 * @param login the node login
 * @param node the node name
 */
public record Target(String login, String node) {

    /**
     * Splits at the last {@code @}. Returns empty for a plain user name (gateway shell). Does not
     * judge the login: callers pass it to {@link LoginNames#problem}.
     *
     * @throws IllegalArgumentException with a one-line reason when the node part is empty or malformed
     */
    public static Optional<Target> parse(String sshUser) {
        return TargetParser.parse(sshUser);
    }
}
