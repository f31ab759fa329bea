package dev.gatehouse.gateway.shell;

import java.util.List;

/**
 * The gateway shell's usage errors, one wording for every command: a word the command does not
 * take is named ({@code request: unexpected argument 'now'; usage: request LOGIN@NODE ...}), so
 * the user sees what was wrong, not only what is right; a missing operand gives the usage. Unknown
 * options are named by {@link AccessCommands#options}. Words are escaped for the terminal.
 */
final class ShellUsage {
    private ShellUsage() {}

    /**
     * Checks that {@code operands} (the arguments left once options are taken out) are exactly
     * {@code count}.
     *
     * @throws IllegalArgumentException naming the first word past {@code count}, or with the usage when too few
     */
    static void operands(String command, List<String> operands, int count, String usage) {
        if (operands.size() > count) {
            throw unexpected(command, operands.get(count), usage);
        }
        if (operands.size() < count) {
            throw new IllegalArgumentException("usage: " + usage);
        }
    }

    /** The refusal of {@code word}, which {@code command} does not take; {@code usage} is what it does take. */
    static IllegalArgumentException unexpected(String command, String word, String usage) {
        return new IllegalArgumentException(command + ": unexpected argument '" + Views.escape(word) + "'; usage: " + usage);
    }
}
