package dev.gatehouse.policy;

import java.time.Duration;

/** Free text from users (reasons, comments) and durations as people write them. */
final class Texts {
    /** Longest reason or comment kept; it is shown to approvers and stored in the audit log. */
    static final int MAX_TEXT = 500;

    private Texts() {}

    /**
     * Why {@code text} cannot be stored as {@code what}, or null. Whatever {@link Printable} would
     * escape (controls, bidi overrides, zero-width and other invisible characters) is refused,
     * because reasons are printed on other people's terminals and must say what they seem to say.
     */
    static String problem(String text, String what) {
        if (text == null) {
            return null;
        }
        if (text.length() > MAX_TEXT) {
            return what + " is longer than " + MAX_TEXT + " characters";
        }
        int cp = Printable.firstUnsafe(text);
        if (cp >= 0) {
            return what + " contains " + (Character.getType(cp) == Character.CONTROL ? "a control character"
                    : "an invisible or formatting character") + " (" + Printable.name(cp) + ")";
        }
        return null;
    }

    static boolean blank(String text) {
        return text == null || text.isBlank();
    }

    /** {@code 1h}, {@code 30m}, {@code 90s}, {@code 250ms}: the units the configuration accepts. */
    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 86_400_000L == 0) {
            return ms / 86_400_000L + "d";
        }
        if (ms != 0 && ms % 3_600_000L == 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms != 0 && ms % 60_000L == 0) {
            return ms / 60_000L + "m";
        }
        if (ms % 1000L == 0) {
            return ms / 1000L + "s";
        }
        return ms + "ms";
    }
}
