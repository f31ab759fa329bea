package dev.gatehouse.gateway.auth;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * A TOTP shared secret. The bytes are copied in and out so no caller can change a held secret,
 * and {@code toString} is masked so the secret never reaches a log line.
 */
public record TotpSecret(byte[] bytes) {
    /** RFC 4226 section 4: the shared secret MUST be at least 128 bits. */
    static final int MIN_BYTES = 16;
    static final int MAX_BYTES = 128;

    public TotpSecret {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length < MIN_BYTES || bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("TOTP secret must be " + MIN_BYTES + ".." + MAX_BYTES
                    + " bytes, got " + bytes.length + "; enrol again to get a new secret");
        }
        bytes = bytes.clone();
    }

    /** Parses a secret as shown to a user or stored in config; see {@link #base32()}. */
    public static TotpSecret fromBase32(String base32) {
        return new TotpSecret(Base32.decode(base32));
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** RFC 4648 base32 without padding, what authenticator apps accept for manual entry. */
    public String base32() {
        return Base32.encode(bytes);
    }

    /**
     * The Key URI that authenticator apps read from a QR code. Issuer and account may not contain ':'
     * because apps split the label on it.
     */
    public String otpauthUri(String issuer, String account) {
        requireLabelPart("issuer", issuer);
        requireLabelPart("account", account);
        return "otpauth://totp/" + encode(issuer) + ":" + encode(account)
                + "?secret=" + base32()
                + "&issuer=" + encode(issuer)
                + "&algorithm=SHA1&digits=" + Totp.DIGITS + "&period=" + Totp.STEP_SECONDS;
    }

    private static void requireLabelPart(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("otpauth " + what + " is missing");
        }
        if (value.indexOf(':') >= 0) {
            throw new IllegalArgumentException("otpauth " + what + " '" + value + "' contains ':', which apps read as "
                    + "the issuer/account separator; choose a name without it");
        }
    }

    private static String encode(String s) {
        // URLEncoder does form encoding; a URI path and query want %20 for a space.
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Constant time, so comparing secrets does not reveal how much of them matched. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TotpSecret other && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "TotpSecret[****]";
    }
}
