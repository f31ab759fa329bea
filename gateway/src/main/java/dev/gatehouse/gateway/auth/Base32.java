package dev.gatehouse.gateway.auth;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/** RFC 4648 base32 without padding, the alphabet authenticator apps expect for TOTP secrets. */
final class Base32 {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final int MAX_INPUT_CHARS = 1024;

    private Base32() {
    }

    static String encode(byte[] data) {
        StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(ALPHABET.charAt((buffer >> (bits - 5)) & 0x1f));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(ALPHABET.charAt((buffer << (5 - bits)) & 0x1f));
        }
        return out.toString();
    }

    /**
     * Decodes what a person may paste back: case and spaces are ignored, trailing padding is allowed.
     * Error messages name positions only, never the input, because the input is a secret.
     */
    static byte[] decode(String text) {
        if (text == null) {
            throw new IllegalArgumentException("base32 secret is missing");
        }
        if (text.length() > MAX_INPUT_CHARS) {
            throw new IllegalArgumentException("base32 secret is too long (" + text.length() + " characters, at most "
                    + MAX_INPUT_CHARS + ")");
        }
        String s = text.replace(" ", "").toUpperCase(Locale.ROOT);
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '=') {
            end--;
        }
        int rem = end % 8;
        if (rem == 1 || rem == 3 || rem == 6) {
            throw new IllegalArgumentException("base32 secret has an impossible length (" + end
                    + " characters); check that it was copied completely");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(end * 5 / 8);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < end; i++) {
            int v = ALPHABET.indexOf(s.charAt(i));
            if (v < 0) {
                throw new IllegalArgumentException("base32 secret has an invalid character at position " + (i + 1)
                        + " (allowed: A-Z and 2-7)");
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        if ((buffer & ((1 << bits) - 1)) != 0) {
            throw new IllegalArgumentException("base32 secret is not canonical (non-zero trailing bits); "
                    + "check that it was copied completely");
        }
        return out.toByteArray();
    }
}
