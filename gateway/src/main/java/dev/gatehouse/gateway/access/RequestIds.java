package dev.gatehouse.gateway.access;

import java.security.SecureRandom;

/** Short, unguessable request ids people can type: {@code r-} and 10 base32 characters. */
final class RequestIds {
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestIds() {}

    static String next() {
        char[] out = new char[10];
        for (int i = 0; i < out.length; i++) {
            out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return "r-" + new String(out);
    }
}
