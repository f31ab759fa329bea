package dev.gatehouse.e2e;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The test's own RFC 6238 authenticator (SHA-1, 6 digits, 30 s steps), written from the RFC. */
final class TotpCodes {
    static final int STEP_SECONDS = 30;
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private final byte[] secret;

    TotpCodes(String base32Secret) {
        this.secret = base32(base32Secret);
    }

    static long step(Instant t) {
        return Math.floorDiv(t.getEpochSecond(), STEP_SECONDS);
    }

    /** The code for time step {@code step}. */
    String code(long step) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret, "HmacSHA1"));
            byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
            int offset = h[h.length - 1] & 0x0f;
            int binary = ((h[offset] & 0x7f) << 24) | ((h[offset + 1] & 0xff) << 16) | ((h[offset + 2] & 0xff) << 8)
                    | (h[offset + 3] & 0xff);
            return String.format(Locale.ROOT, "%06d", binary % 1_000_000);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A six-digit code that is not valid for any step near {@code now} (within two steps either way). */
    String wrongCode(Instant now) {
        Set<String> valid = new TreeSet<>();
        for (long s = step(now) - 2; s <= step(now) + 2; s++) {
            valid.add(code(s));
        }
        String candidate = code(step(now));
        int n = Integer.parseInt(candidate);
        while (valid.contains(candidate)) {
            n = (n + 1) % 1_000_000;
            candidate = String.format(Locale.ROOT, "%06d", n);
        }
        return candidate;
    }

    /** RFC 4648 base32 without padding, as authenticator apps read it. */
    static byte[] base32(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (byte c : text.trim().replace("=", "").toUpperCase(Locale.ROOT).getBytes(US_ASCII)) {
            int v = ALPHABET.indexOf(c);
            if (v < 0) {
                throw new IllegalArgumentException("not base32: " + text);
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        return out.toByteArray();
    }
}
