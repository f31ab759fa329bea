package dev.gatehouse.gateway.access;

import java.security.SecureRandom;

/** Short, unguessable request ids people can type: {@code r-} and 10 base32 characters. */
public final class RequestIds {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestIds() {}

    static String next() {
        return next("r-");
    }

    /** {@code prefix} and 10 base32 characters (50 random bits), e.g. {@code t-} for API tokens. */
    public static String next(String prefix) {
        char[] out = new char[10];
        for (int i = 0; i < out.length; i++) {
            out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return prefix + new String(out);
    }
}
