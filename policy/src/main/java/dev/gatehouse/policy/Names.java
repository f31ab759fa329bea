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
     * {@code text} in single quotes, safe to print on a user's terminal: the {@link Printable}
     * escapes, and also every non-ASCII character, since names are ASCII and a look-alike letter
     * (Cyrillic {@code о} for Latin {@code o}) must show; long input is cut.
     */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), QUOTE_LIMIT) + 8).append('\'');
        int shown = 0;
        int i = 0;
        while (i < text.length() && shown < QUOTE_LIMIT) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            shown++;
            if (cp == '\'') {
                out.append("\\'");
            } else if (cp < 0x20 || cp >= 0x7f || cp == '\\') {
                Printable.appendEscape(out, cp);
            } else {
                out.append((char) cp);
            }
        }
        if (i < text.length()) {
            out.append("...");
        }
        return out.append('\'').toString();
    }
}
