package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Threat: text an attacker chose (a login name, an exec command, a request reason) drives an
 * auditor's or approver's terminal (ESC and C1 sequences, OSC 52 clipboard writes), or hides or
 * reorders what it says (bidi overrides, zero-width characters), when a listing shows it.
 */
class PrintableTest {
    private static final Set<Integer> DANGEROUS_TYPES = Set.of((int) Character.CONTROL, (int) Character.FORMAT,
            (int) Character.LINE_SEPARATOR, (int) Character.PARAGRAPH_SEPARATOR, (int) Character.SURROGATE,
            (int) Character.PRIVATE_USE, (int) Character.UNASSIGNED);

    /** Every code point of the dangerous general categories is escaped; every other one is shown as it is. */
    @Test
    void shortenCutsLongTextWithAMarkAndNeverSplitsASurrogatePair() {
        assertThat(Printable.shorten("abcdef", 6)).isEqualTo("abcdef");
        assertThat(Printable.shorten("abcdefg", 6)).isEqualTo("abcdef...");
        assertThat(Printable.shorten(null, 6)).isNull();
        String emoji = "ab\uD83D\uDE00cd"; // U+1F600 is two chars at 2..3
        assertThat(Printable.shorten(emoji, 3)).isEqualTo("ab...");
    }

    @Test
    void everyCodePointIsJudgedByItsGeneralCategory() {
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            boolean blank = cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0 || cp == 0x2800 || cp == 0x034F
                    || cp == 0x17B4 || cp == 0x17B5 || (cp >= 0x180B && cp <= 0x180F) || (cp >= 0xFE00 && cp <= 0xFE0F)
                    || (cp >= 0xE0100 && cp <= 0xE01EF);
            boolean dangerous = DANGEROUS_TYPES.contains(Character.getType(cp)) || blank;
            assertThat(Printable.needsEscape(cp)).as("U+%04X", cp).isEqualTo(dangerous);
            String shown = Printable.escape(new String(Character.toChars(cp)));
            if (dangerous || cp == '\\') {
                assertThat(shown).as("U+%04X", cp).startsWith("\\").matches("\\p{ASCII}+");
            } else {
                assertThat(shown).as("U+%04X", cp).isEqualTo(new String(Character.toChars(cp)));
            }
        }
    }

    /** Whatever goes in, nothing that needs escaping comes out. */
    @Test
    void escapedTextNeverContainsAnUnsafeCodePoint() {
        Random random = new Random(42);
        for (int round = 0; round < 20_000; round++) {
            String s = randomText(random);
            String shown = Printable.escape(s);
            assertThat(Printable.firstUnsafe(shown)).as("escape(%s)", shown).isEqualTo(-1);
            assertThat(unescape(shown)).as("the escaping is reversible: different texts are shown differently").isEqualTo(s);
        }
    }

    @Test
    void theNamedDangersAreEscaped() {
        assertThat(Printable.escape("a\u001b]52;c;ZXZpbA==\u0007b")).isEqualTo("a\\x1b]52;c;ZXZpbA==\\x07b");
        assertThat(Printable.escape("\u009b2J")).isEqualTo("\\x9b2J");
        assertThat(Printable.escape("ok\r\u0000")).isEqualTo("ok\\r\\x00");
        assertThat(Printable.escape("invoice\u202Etxt.exe")).isEqualTo("invoice\\u202etxt.exe");
        assertThat(Printable.escape("rm\u2066 -rf\u2069")).isEqualTo("rm\\u2066 -rf\\u2069");
        assertThat(Printable.escape("ad\u200Bmin\uFEFF")).isEqualTo("ad\\u200bmin\\ufeff");
        assertThat(Printable.escape("\uDB40\uDC41")).as("a tag character hides ASCII").isEqualTo("\\U000e0041");
        assertThat(Printable.escape("lone \uD800")).isEqualTo("lone \\ud800");
        assertThat(Printable.escape("a\u034Fb\uFE0F")).as("marks that render as nothing").isEqualTo("a\\u034fb\\ufe0f");
        assertThat(Printable.escape("typed \\x1b")).as("a typed backslash cannot fake an escape").isEqualTo("typed \\\\x1b");
    }

    @Test
    void lettersOfEveryScriptAndEmojiStayReadable() {
        String text = "Grüße, Привет, שלום, مرحبا, 你好, こんにちは, 🚀 GPU, e\u0301";
        assertThat(Printable.escape(text)).isSameAs(text);
        assertThat(Printable.escape(null)).isNull();
    }

    private static String randomText(Random random) {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(12);
        for (int i = 0; i < n; i++) {
            int cp = switch (random.nextInt(6)) {
                case 0 -> random.nextInt(0x100);
                case 1 -> 0x2000 + random.nextInt(0x80);
                case 2 -> '\\';
                case 3 -> 0xD800 + random.nextInt(0x800); // lone surrogates too
                case 4 -> random.nextInt(Character.MAX_CODE_POINT + 1);
                default -> 'a' + random.nextInt(26);
            };
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                b.append((char) cp);
            } else {
                b.appendCodePoint(cp);
            }
        }
        return b.toString();
    }

    /** The inverse of the escaping, to prove it is one-to-one. */
    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char kind = s.charAt(++i);
            switch (kind) {
                case '\\' -> out.append('\\');
                case 't' -> out.append('\t');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 'x', 'u', 'U' -> {
                    int digits = kind == 'x' ? 2 : kind == 'u' ? 4 : 8;
                    int cp = Integer.parseInt(s.substring(i + 1, i + 1 + digits), 16);
                    if (cp >= 0xD800 && cp <= 0xDFFF) {
                        out.append((char) cp);
                    } else {
                        out.appendCodePoint(cp);
                    }
                    i += digits;
                }
                default -> throw new AssertionError("unknown escape \\" + kind + " in " + s);
            }
        }
        return out.toString();
    }
}
