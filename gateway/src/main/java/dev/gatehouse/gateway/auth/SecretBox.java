package dev.gatehouse.gateway.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals TOTP secrets for storage with AES-256-GCM under a key derived (HKDF-SHA256, info
 * "gatehouse totp v1") from key material the gateway already protects, such as its audit
 * private key's encoding. A stolen database alone then reveals no second factor.
 *
 * <p>Format: {@code v1:} + base64(12-byte random nonce | ciphertext | 16-byte tag). The optional
 * context (use the user name) is authenticated but not stored, so a sealed secret copied into
 * another user's row does not open there. Rotating the key material makes old values unreadable:
 * users must enrol again.
 */
public final class SecretBox {
    static final String PREFIX = "v1:";
    private static final byte[] HKDF_INFO = "gatehouse totp v1".getBytes(StandardCharsets.US_ASCII);
    private static final int MIN_KEY_MATERIAL_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey key;
    private final SecureRandom random;

    public SecretBox(byte[] keyMaterial) {
        this(keyMaterial, new SecureRandom());
    }

    public SecretBox(byte[] keyMaterial, SecureRandom random) {
        Objects.requireNonNull(keyMaterial, "keyMaterial");
        if (keyMaterial.length < MIN_KEY_MATERIAL_BYTES) {
            throw new IllegalArgumentException("key material for sealing TOTP secrets must be at least "
                    + MIN_KEY_MATERIAL_BYTES + " bytes, got " + keyMaterial.length + "; pass the audit key's encoding");
        }
        this.key = new SecretKeySpec(Hkdf.sha256(new byte[0], keyMaterial, HKDF_INFO, 32), "AES");
        this.random = Objects.requireNonNull(random, "random");
    }

    public String seal(byte[] plaintext) {
        return seal(plaintext, "");
    }

    /** Seals {@code plaintext} so it opens only with the same key and {@code context}. */
    public String seal(byte[] plaintext, String context) {
        Objects.requireNonNull(plaintext, "plaintext");
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce, context);
            byte[] sealed = cipher.doFinal(plaintext);
            byte[] out = ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JDK; cannot seal TOTP secrets", e);
        }
    }

    public byte[] open(String sealed) {
        return open(sealed, "");
    }

    /** The plaintext, or IllegalArgumentException when the value is malformed, tampered or from another key. */
    public byte[] open(String sealed, String context) {
        if (sealed == null || !sealed.startsWith(PREFIX)) {
            throw new IllegalArgumentException("sealed value does not start with '" + PREFIX
                    + "'; it was not written by this gateway version");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sealed value is not valid base64 after '" + PREFIX + "'", e);
        }
        if (raw.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new IllegalArgumentException("sealed value is truncated (" + raw.length + " bytes)");
        }
        byte[] nonce = new byte[NONCE_BYTES];
        System.arraycopy(raw, 0, nonce, 0, NONCE_BYTES);
        try {
            return cipher(Cipher.DECRYPT_MODE, nonce, context).doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("sealed value failed authentication: it was modified, belongs to "
                    + "another user, or was sealed under other key material (audit key rotated?); enrol again", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JDK; cannot open TOTP secrets", e);
        }
    }

    private Cipher cipher(int mode, byte[] nonce, String context) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(HKDF_INFO);
        cipher.updateAAD(Objects.requireNonNull(context, "context").getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    @Override
    public String toString() {
        return "SecretBox[key=****]";
    }
}
