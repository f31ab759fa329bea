package dev.gatehouse.policy;

import java.time.Duration;

/** Free text from users (reasons, comments) and durations as people write them. */
final class Texts {
    /** Longest reason or comment kept; it is shown to approvers and stored in the audit log. */
    static final int MAX_TEXT = 500;

    private Texts() {}

    /**
     * Why {@code text} cannot be stored as {@code what}, or null. Control characters are refused
     * because reasons are printed on other people's terminals.
     */
    static String problem(String text, String what) {
        if (text == null) {
            return null;
        }
        if (text.length() > MAX_TEXT) {
            return what + " is longer than " + MAX_TEXT + " characters";
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return what + " contains a control character";
            }
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
