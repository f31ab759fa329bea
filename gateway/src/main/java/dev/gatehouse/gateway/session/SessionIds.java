package dev.gatehouse.gateway.session;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * Session ids: 26 characters of Crockford base32, time-ordered (48-bit milliseconds) then 80 random
 * bits, so listings sort by start time and ids are unguessable.
 */
public final class SessionIds {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionIds() {}

    public static String next(Clock clock) {
        long millis = clock.millis();
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        char[] out = new char[26];
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (millis & 31)];
            millis >>>= 5;
        }
        long hi = 0;
        for (int i = 0; i < 5; i++) {
            hi = (hi << 8) | (random[i] & 0xff);
        }
        long lo = 0;
        for (int i = 5; i < 10; i++) {
            lo = (lo << 8) | (random[i] & 0xff);
        }
        for (int i = 17; i >= 10; i--) {
            out[i] = ALPHABET[(int) (hi & 31)];
            hi >>>= 5;
        }
        for (int i = 25; i >= 18; i--) {
            out[i] = ALPHABET[(int) (lo & 31)];
            lo >>>= 5;
        }
        return new String(out);
    }

    /** True for strings shaped like an id this class makes (input validation for commands). */
    public static boolean looksValid(String id) {
        if (id == null || id.length() != 26) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            if (new String(ALPHABET).indexOf(id.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }
}
