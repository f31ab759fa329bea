package dev.gatehouse.policy;

import java.util.regex.Pattern;

/** Name rules shared by the parser, the evaluator and {@link Target}, and safe quoting for messages. */
final class Names {
    /** Node names appear in {@code LOGIN@NODE} and in file names of recordings, so keep them plain. */
    static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    /** User names are the identities every audit record names. */
    static final Pattern USER = Pattern.compile("[a-z][a-z0-9._-]{0,31}");

    /** Role names show up in decisions ("role engineer"), so the node-name rule fits them too. */
    static final Pattern ROLE = NODE;

    /** Label keys allow a {@code /} for prefixed keys such as {@code gatehouse.dev/pool}. */
    static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");

    /** Longest piece of untrusted text echoed back in a message. */
    private static final int QUOTE_LIMIT = 64;

    private Names() {}

    /**
     * {@code text} in single quotes, safe to print on a user's terminal: control and non-ASCII
     * characters are escaped (a hostile name must not move the cursor or reorder text) and long
     * input is cut.
     */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), QUOTE_LIMIT) + 8).append('\'');
        int end = Math.min(text.length(), QUOTE_LIMIT);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                case '\'' -> out.append("\\'");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        if (text.length() > QUOTE_LIMIT) {
            out.append("...");
        }
        return out.append('\'').toString();
    }
}
