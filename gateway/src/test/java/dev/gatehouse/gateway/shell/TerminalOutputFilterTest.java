package dev.gatehouse.gateway.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Threat: the observed user controls every byte an admin's {@code observe} shows. Escape strings
 * could set the admin's clipboard (OSC 52), plant links (OSC 8), retitle the window, or make the
 * admin's terminal answer (DSR, DA, window reports), the answer arriving as the admin's own input.
 * Screen drawing (text, UTF-8, CR/LF/TAB/BS, cursor and colour CSI) must still pass.
 */
class TerminalOutputFilterTest {
    private final TerminalOutputFilter filter = new TerminalOutputFilter();

    private String run(String... writes) {
        StringBuilder shown = new StringBuilder();
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (String w : writes) {
            all.writeBytes(filter.filter(w.getBytes(StandardCharsets.UTF_8)));
        }
        shown.append(all.toString(StandardCharsets.UTF_8));
        return shown.toString();
    }

    private byte[] raw(byte... bytes) {
        return filter.filter(bytes);
    }

    @Test
    void textUtf8AndLineControlsPass() {
        assertThat(run("ls -l\r\n\tgr\u00fc\u00dfe \u4e2d\u6587 \ud83d\ude00\bx")).isEqualTo("ls -l\r\n\tgr\u00fc\u00dfe \u4e2d\u6587 \ud83d\ude00\bx");
    }

    @Test
    void cursorColourAndEraseSequencesPass() {
        String screen = "\u001b[2J\u001b[H\u001b[1;31mred\u001b[0m\u001b[10;5H\u001b[K\u001b[?1049h\u001b[?25l\u001b[3A\u001b(0q\u001b(B\u001b7\u001b8";
        assertThat(run(screen)).isEqualTo(screen);
    }

    @Test
    void oscClipboardHyperlinkAndTitleAreDropped() {
        assertThat(run("a\u001b]52;c;ZXZpbA==\u0007b")).isEqualTo("ab");
        assertThat(run("\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\")).isEqualTo("click");
        assertThat(run("\u001b]0;pwned title\u0007ok")).isEqualTo("ok");
    }

    @Test
    void dcsApcPmAndSosStringsAreDropped() {
        assertThat(run("1\u001bP+q544e\u001b\\2")).isEqualTo("12");
        assertThat(run("1\u001b_apc\u0007still apc\u001b\\2")).as("BEL does not end an APC").isEqualTo("12");
        assertThat(run("1\u001b^pm\u001b\\2\u001bXsos\u001b\\3")).isEqualTo("123");
    }

    @Test
    void csiSequencesThatMakeTheTerminalAnswerAreDropped() {
        assertThat(run("a\u001b[6nb\u001b[5n")).as("device status report").isEqualTo("ab");
        assertThat(run("a\u001b[c\u001b[>0c\u001b[=c\u001b[0cb")).as("device attributes").isEqualTo("ab");
        assertThat(run("a\u001b[21t\u001b[8;100;300t\u001b[3;0;0tb")).as("window ops").isEqualTo("ab");
        assertThat(run("a\u001b[?2026$p\u001b[>0qb")).as("DECRQM, XTVERSION").isEqualTo("ab");
        assertThat(run("a\u001b[?1000h\u001b[?1006;1004hb")).as("mouse and focus reports").isEqualTo("ab");
    }

    @Test
    void otherEscapesAndControlsAreDropped() {
        assertThat(run("a\u001bZb\u001bcc\u001b#8d")).as("DECID, RIS, DECALN").isEqualTo("abcd");
        assertThat(run("a\u0005\u0007\u000e\u000f\u007fb")).as("ENQ, BEL, SO, SI, DEL").isEqualTo("ab");
    }

    @Test
    void c1ControlsAreDroppedRawAndUtf8Encoded() {
        assertThat(new String(raw((byte) 'a', (byte) 0x9b, (byte) '6', (byte) 'n', (byte) 0x9d, (byte) 'b'), StandardCharsets.UTF_8))
                .as("raw 8-bit CSI and OSC bytes are no controls: dropped, the rest is text").isEqualTo("a6nb");
        assertThat(run("a\u009b6n\u009d0;t\u0007b")).as("U+009B, U+009D").isEqualTo("a6n0;tb");
    }

    @Test
    void malformedUtf8BecomesTheReplacementCharacter() {
        assertThat(new String(raw((byte) 0xc0, (byte) 0x9b, (byte) 'x'), StandardCharsets.UTF_8)).as("an invalid lead byte, then a raw C1 byte").isEqualTo("\ufffdx");
        assertThat(new String(raw((byte) 0xe0, (byte) 0x80, (byte) 0x9b, (byte) 'x'), StandardCharsets.UTF_8))
                .as("an overlong form of CSI").isEqualTo("\ufffdx");
        assertThat(new String(raw((byte) 0xe2, (byte) 'x'), StandardCharsets.UTF_8)).isEqualTo("\ufffdx");
    }

    @Test
    void sequencesSplitAcrossWritesAreRecognised() {
        assertThat(run("a\u001b", "]52;c;", "ZXZpbA==\u001b", "\\b")).isEqualTo("ab");
        assertThat(run("a\u001b[", "6", "nb")).isEqualTo("ab");
        assertThat(run("x\u001b[1;3", "1mred")).isEqualTo("x\u001b[1;31mred");
        byte[] euro = "\u20ac".getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        all.writeBytes(raw(euro[0]));
        all.writeBytes(raw(euro[1]));
        all.writeBytes(raw(euro[2]));
        assertThat(all.toString(StandardCharsets.UTF_8)).isEqualTo("\u20ac");
        byte[] c1 = "\u009b".getBytes(StandardCharsets.UTF_8);
        assertThat(raw(c1[0])).isEmpty();
        assertThat(raw(c1[1])).as("U+009B split across writes").isEmpty();
    }

    @Test
    void anUnterminatedStringIsGivenUpAtTheLimitNotBuffered() {
        String payload = "A".repeat(TerminalOutputFilter.MAX_STRING);
        assertThat(run("a\u001b]52;c;" + payload.substring(0, 100), payload.substring(105))).isEqualTo("a");
        assertThat(run("Bxyz")).as("past the limit the string is given up: what follows is shown").isEqualTo("xyz");
        String longCsi = "\u001b[" + "1;".repeat(TerminalOutputFilter.MAX_CSI) + "m";
        assertThat(run("a" + longCsi + "b")).as("an overlong CSI is dropped whole").isEqualTo("ab");
    }
}
