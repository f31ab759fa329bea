package dev.gatehouse.policy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Checks OpenSSH public-key lines ({@code TYPE BASE64 [comment]}) by reading the SSH wire format
 * directly: the blob must be length-prefixed strings whose first one repeats TYPE, with the field
 * count each key type has. This catches truncated pastes and keys of one type labelled as another
 * without pulling a crypto library into the policy module.
 */
final class SshKeys {
    static final String ED25519 = "ssh-ed25519";
    static final String RSA = "ssh-rsa";
    static final String SK_ED25519 = "sk-ssh-ed25519@openssh.com";
    static final String SK_ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com";

    /** Key type to the number of wire strings its blob holds (type included). */
    private static final Map<String, Integer> FIELDS = Map.of(
            ED25519, 2,
            "ecdsa-sha2-nistp256", 3,
            "ecdsa-sha2-nistp384", 3,
            "ecdsa-sha2-nistp521", 3,
            RSA, 3,
            SK_ED25519, 3,
            SK_ECDSA, 4);

    /** Types allowed for user keys, in the order an error message lists them. */
    static final List<String> USER_TYPES = List.of(ED25519, "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521", RSA, SK_ED25519, SK_ECDSA);

    /** Host keys and host CAs: hardware-backed {@code sk-} keys do not sign host keys. */
    static final List<String> HOST_TYPES = USER_TYPES.subList(0, 5);

    static final int MIN_RSA_BITS = 2048;

    private SshKeys() {}

    /**
     * The key as {@code TYPE BASE64} (comment dropped, base64 re-encoded with padding so equal
     * keys compare equal), or an {@link IllegalArgumentException} saying what is wrong.
     */
    static String normalise(String line, List<String> allowedTypes) {
        String[] parts = line.trim().split("\\s+", 3);
        if (parts.length < 2 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("is not a public key line: write 'TYPE BASE64 [comment]', "
                    + "as in a .pub file");
        }
        String type = parts[0];
        if (!allowedTypes.contains(type)) {
            throw new IllegalArgumentException("has key type " + Names.quote(type) + "; use one of "
                    + String.join(", ", allowedTypes));
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("has a key that is not valid base64; copy the whole line of the .pub file");
        }
        List<byte[]> fields = wireStrings(blob);
        String inner = new String(fields.get(0), java.nio.charset.StandardCharsets.ISO_8859_1);
        if (!inner.equals(type)) {
            throw new IllegalArgumentException("says " + Names.quote(type) + " but the key inside is "
                    + Names.quote(inner) + "; copy the whole line of the .pub file");
        }
        int expected = FIELDS.get(type);
        if (fields.size() != expected) {
            throw new IllegalArgumentException("has a " + type + " key with " + fields.size()
                    + " fields instead of " + expected + "; the key is damaged, copy the whole .pub line");
        }
        checkKeyMaterial(type, fields);
        return type + " " + Base64.getEncoder().encodeToString(blob);
    }

    private static void checkKeyMaterial(String type, List<byte[]> fields) {
        if ((type.equals(ED25519) || type.equals(SK_ED25519)) && fields.get(1).length != 32) {
            throw new IllegalArgumentException("has an ed25519 key of " + fields.get(1).length
                    + " bytes instead of 32; the key is damaged, copy the whole .pub line");
        }
        if (type.contains("ecdsa")) {
            String curve = new String(fields.get(1), java.nio.charset.StandardCharsets.ISO_8859_1);
            String expected = type.startsWith("sk-") ? "nistp256" : type.substring("ecdsa-sha2-".length());
            if (!curve.equals(expected)) {
                throw new IllegalArgumentException("says " + type + " but names curve " + Names.quote(curve));
            }
        }
        if (type.equals(RSA)) {
            int bits = new BigInteger(1, fields.get(2)).bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new IllegalArgumentException("has a " + bits + "-bit RSA key; use at least "
                        + MIN_RSA_BITS + " bits, or better an ssh-ed25519 key");
            }
        }
    }

    /** Splits an SSH wire blob into its {@code uint32 length || bytes} strings; at least one. */
    private static List<byte[]> wireStrings(byte[] blob) {
        List<byte[]> fields = new ArrayList<>();
        int pos = 0;
        while (pos < blob.length) {
            if (blob.length - pos < 4) {
                throw damaged();
            }
            long length = ((blob[pos] & 0xffL) << 24) | ((blob[pos + 1] & 0xff) << 16)
                    | ((blob[pos + 2] & 0xff) << 8) | (blob[pos + 3] & 0xff);
            pos += 4;
            if (length > blob.length - pos) {
                throw damaged();
            }
            byte[] field = new byte[(int) length];
            System.arraycopy(blob, pos, field, 0, field.length);
            fields.add(field);
            pos += field.length;
        }
        if (fields.isEmpty()) {
            throw damaged();
        }
        return fields;
    }

    private static IllegalArgumentException damaged() {
        return new IllegalArgumentException("has a truncated or damaged key; copy the whole line of the .pub file");
    }
}
