package dev.gatehouse.gateway.auth;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** RFC 5869 HKDF with HMAC-SHA256; the JDK 17 has no public HKDF API. */
final class Hkdf {
    private static final String HMAC = "HmacSHA256";
    private static final int HASH_LEN = 32;

    private Hkdf() {
    }

    static byte[] sha256(byte[] salt, byte[] inputKeyMaterial, byte[] info, int length) {
        if (length < 1 || length > 255 * HASH_LEN) {
            throw new IllegalArgumentException("HKDF output length must be 1.." + 255 * HASH_LEN + ", got " + length);
        }
        try {
            // Extract: an empty salt means HashLen zero bytes (RFC 5869 section 2.2).
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(salt.length == 0 ? new byte[HASH_LEN] : salt, HMAC));
            byte[] prk = mac.doFinal(inputKeyMaterial);

            // Expand: T(i) = HMAC(PRK, T(i-1) | info | i).
            mac.init(new SecretKeySpec(prk, HMAC));
            byte[] out = new byte[length];
            byte[] previous = new byte[0];
            for (int i = 1, done = 0; done < length; i++) {
                mac.update(previous);
                mac.update(info);
                mac.update((byte) i);
                previous = mac.doFinal();
                int n = Math.min(HASH_LEN, length - done);
                System.arraycopy(previous, 0, out, done, n);
                done += n;
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JDK", e);
        }
    }
}
