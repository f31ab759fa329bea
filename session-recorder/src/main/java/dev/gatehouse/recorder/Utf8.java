package dev.gatehouse.recorder;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * UTF-8 helpers for the recorder: terminal output arrives split at arbitrary byte positions, and
 * stored o/i chunks must hold complete, valid characters so that every chunk decodes on its own.
 */
final class Utf8 {
    /** Eight bytes at a time: terminal output is mostly ASCII, and a word without a high bit is valid as it is. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {}

    /**
     * Length of {@code b[0..len)} without a trailing incomplete (but so far plausible) multi-byte
     * sequence; that tail (at most 3 bytes) should wait for the next bytes of the stream.
     */
    static int completeLength(byte[] b, int len) {
        int stop = Math.max(0, len - 3);
        for (int i = len - 1; i >= stop; i--) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                return len; // ASCII: nothing pending
            }
            if (c >= 0xC0) { // lead byte: is its sequence cut short?
                int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                return (c <= 0xF4 && len - i < need) ? i : len;
            }
            // continuation byte: keep looking for the lead
        }
        return len;
    }

    /** True when {@code b[off..off+len)} is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF). */
    static boolean isValid(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end) {
            if (end - i >= Long.BYTES && ((long) LONGS.get(b, i) & HIGH_BITS) == 0) {
                i += Long.BYTES;
                continue;
            }
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int n;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 3;
                min = 0x10000;
            } else {
                return false;
            }
            if (i + n >= end) { // truncated sequence
                return false;
            }
            int cp = c & (0x3F >> n);
            for (int k = 1; k <= n; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return false;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return false;
            }
            i += n + 1;
        }
        return true;
    }

    /** A copy of the bytes that is valid UTF-8: invalid sequences become U+FFFD. */
    static byte[] sanitizedCopy(byte[] b, int off, int len) {
        if (isValid(b, off, len)) {
            return Arrays.copyOfRange(b, off, off + len);
        }
        // Rare path: the JDK decoder replaces each malformed sequence with U+FFFD.
        return new String(b, off, len, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
    }
}
