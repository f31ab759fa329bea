package dev.gatehouse.gateway.access;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people type them for elevation and tokens: {@code 90s}, {@code 30m}, {@code 2h},
 * {@code 1d} (1 to 6 digits and a unit), shared by the gateway shell and the console API.
 */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,6})(s|m|h|d)");

    private Durations() {}

    /** @throws IllegalArgumentException with a one-line reason when {@code text} is not such a duration */
    public static Duration parse(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("duration must look like 90s, 30m, 2h or 1d, not '"
                    + dev.gatehouse.policy.Printable.escape(String.valueOf(text)) + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** 2h, 30m or 90s: the way it was asked for. */
    public static String human(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        return s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}
