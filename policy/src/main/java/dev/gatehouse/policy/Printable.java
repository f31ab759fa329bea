package dev.gatehouse.policy;

/**
 * The one escaping rule for text from outside (user names, commands, reasons, addresses, audit
 * details) that a human view shows: the gateway shell, the local CLI, log lines and, later, the
 * console. JSON output is not escaped (JSON escapes for itself and must stay exact), and replays
 * of recorded terminal output are exempt: they show what the terminal showed.
 *
 * <p>A code point is shown escaped when a terminal or a text renderer could act on it or not show
 * it: Unicode general categories Cc (C0 controls, DEL, the 8-bit C1 controls U+0080 to U+009F,
 * which VT terminals take as CSI, OSC and so on), Cf (format: bidi embeddings, overrides and
 * isolates U+202A to U+202E and U+2066 to U+2069, the marks U+200E/U+200F/U+061C, zero-width
 * U+200B to U+200D, U+2060, U+FEFF, soft hyphen, tag characters), Zl and Zp (U+2028, U+2029),
 * Cs (lone surrogates), Co (private use) and Cn (unassigned, including noncharacters), plus the
 * letters and marks that render as nothing: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0),
 * the braille blank U+2800, the combining grapheme joiner U+034F, U+17B4/U+17B5, the Mongolian
 * variation selectors U+180B to U+180F and the variation selectors U+FE00 to U+FE0F and U+E0100
 * to U+E01EF (so an emoji's presentation selector shows as {@code \ufe0f}). Categories are the
 * JDK's ({@link Character#getType(int)}).
 *
 * <p>The escapes are those of Python's {@code repr}: {@code \t}, {@code \n}, {@code \r},
 * {@code \xHH} up to U+00FF, <code>&#92;uHHHH</code> in the Basic Multilingual Plane and <code>&#92;UHHHHHHHH</code>
 * above, lower-case hex. A backslash is written {@code \\}, so the rendering is unambiguous: a
 * user who types the four characters {@code \x1b} is shown {@code \\x1b}, never a fake escape.
 * Everything else, letters of every script included, is shown as it is.
 */
public final class Printable {
    private Printable() {}

    /** True when {@code codePoint} must not reach a terminal as it is (see the class comment). */
    public static boolean needsEscape(int codePoint) {
        switch (Character.getType(codePoint)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED:
                return true;
            default:
                return invisibleMark(codePoint);
        }
    }

    /**
     * Letters and marks that render as nothing: the Hangul fillers, the braille blank, the
     * combining grapheme joiner, Khmer's inherent vowels, Mongolian free variation selectors and
     * the variation selectors (U+FE00 to U+FE0F, U+E0100 to U+E01EF). Two texts differing only in
     * these would look the same.
     */
    private static boolean invisibleMark(int cp) {
        return cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0 || cp == 0x2800 || cp == 0x034F
                || cp == 0x17B4 || cp == 0x17B5 || (cp >= 0x180B && cp <= 0x180F)
                || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
    }

    /**
     * {@code text} cut to at most {@code max} characters followed by {@code ...} when it is longer,
     * never splitting a surrogate pair; null stays null. For text a client or a node chose that is
     * stored or shown (a destination, a socket path, a node's message), so one request cannot write
     * an unbounded amount of audit or terminal text.
     */
    public static String shorten(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        int end = max > 0 && Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end) + "...";
    }

    /** {@code text} with every code point that {@link #needsEscape} written as an escape; null stays null. */
    public static String escape(String text) {
        return escape(text, false);
    }

    /**
     * A whole multi-line output made safe for a terminal: like {@link #escape}, but line feeds are
     * kept and backslashes left alone, so fields already escaped are not escaped twice. The safety
     * net behind per-field escaping; null stays null.
     */
    public static String escapeKeepingLines(String text) {
        return escape(text, true);
    }

    private static boolean escaped(int cp, boolean lines) {
        return lines ? cp != '\n' && needsEscape(cp) : cp == '\\' || needsEscape(cp);
    }

    private static String escape(String text, boolean lines) {
        if (text == null) {
            return null;
        }
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            if (escaped(cp, lines)) {
                break;
            }
            i += Character.charCount(cp);
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, i);
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (escaped(cp, lines)) {
                appendEscape(out, cp);
            } else {
                out.appendCodePoint(cp);
            }
        }
        return out.toString();
    }

    /** The first code point of {@code text} that {@link #needsEscape}, or -1 when there is none. */
    public static int firstUnsafe(String text) {
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (needsEscape(cp)) {
                return cp;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }

    /** {@code U+202E}: how a refusal names a code point. */
    public static String name(int codePoint) {
        return String.format("U+%04X", codePoint);
    }

    /** Writes {@code cp} as its escape, whatever it is ({@link Names#quote} also escapes non-ASCII). */
    static void appendEscape(StringBuilder out, int cp) {
        switch (cp) {
            case '\\' -> out.append("\\\\");
            case '\t' -> out.append("\\t");
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            default -> {
                if (cp <= 0xFF) {
                    out.append(String.format("\\x%02x", cp));
                } else if (cp <= 0xFFFF) {
                    out.append(String.format("\\u%04x", cp));
                } else {
                    out.append(String.format("\\U%08x", cp));
                }
            }
        }
    }
}
