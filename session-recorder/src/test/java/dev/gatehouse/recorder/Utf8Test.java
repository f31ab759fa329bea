package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {

    /** The JDK's strict decoder is the reference: valid exactly when it decodes without error. */
    private static boolean reference(byte[] b, int off, int len) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void agreesWithTheStrictDecoderAtEveryOffsetAndLength() {
        // Threat (integrity of replays): a chunk judged valid that is not would replay as different
        // text than the terminal showed; the 8-byte ASCII fast path must not skip a bad byte.
        Random random = new Random(7);
        String[] pieces = {"a", "prompt$ ", "ünïcödé", "€", "日本語", "😀", "\r\n", "0123456789abcdef"};
        byte[][] bad = {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF5, 0x41},
            {(byte) 0x80}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}};
        for (int round = 0; round < 300; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int parts = 1 + random.nextInt(12);
            for (int p = 0; p < parts; p++) {
                if (random.nextInt(10) == 0) {
                    out.writeBytes(bad[random.nextInt(bad.length)]);
                } else {
                    out.writeBytes(pieces[random.nextInt(pieces.length)].getBytes(StandardCharsets.UTF_8));
                }
            }
            byte[] b = out.toByteArray();
            for (int off = 0; off < Math.min(b.length, 9); off++) {
                for (int len = 0; off + len <= b.length; len++) {
                    assertThat(Utf8.isValid(b, off, len)).as("round %d bytes %s off %d len %d", round,
                            java.util.HexFormat.of().formatHex(b), off, len).isEqualTo(reference(b, off, len));
                }
            }
        }
    }

    @Test
    void aHighByteAfterLongAsciiRunsIsFound() {
        byte[] b = "the quick brown fox jumps over the lazy dog, twice over".getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at < b.length; at++) {
            byte[] copy = b.clone();
            copy[at] = (byte) 0xFF;
            assertThat(Utf8.isValid(copy, 0, copy.length)).as("0xFF at %d", at).isFalse();
        }
        assertThat(Utf8.isValid(b, 0, b.length)).isTrue();
    }
}
