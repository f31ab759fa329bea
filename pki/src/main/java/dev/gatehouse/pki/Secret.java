package dev.gatehouse.pki;

import java.util.Arrays;

/** A passphrase or other secret whose {@code toString} never reveals it. */
public final class Secret {
    private final char[] value;

    private Secret(char[] value) {
        this.value = value.clone();
    }

    public static Secret of(char[] value) {
        return new Secret(value);
    }

    public static Secret of(String value) {
        return new Secret(value.toCharArray());
    }

    /** The secret itself; callers must not log or persist it. */
    public char[] reveal() {
        return value.clone();
    }

    public boolean isEmpty() {
        return value.length == 0;
    }

    /** Overwrites the held value; the object is useless afterwards. */
    public void destroy() {
        Arrays.fill(value, '\0');
    }

    @Override
    public String toString() {
        return "Secret[****]";
    }
}
