package dev.gatehouse.policy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/** Builds public-key lines in SSH wire format, so tests need no key generator. */
final class TestKeys {
    private TestKeys() {}

    /** A well-formed ed25519 key line whose key bytes are all {@code seed}. */
    static String ed25519(int seed) {
        return line("ssh-ed25519", "ssh-ed25519".getBytes(StandardCharsets.US_ASCII), filled(32, seed));
    }

    static String ed25519(int seed, String comment) {
        return ed25519(seed) + " " + comment;
    }

    static String ecdsa256(int seed) {
        byte[] point = filled(65, seed);
        point[0] = 4;
        return line("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256".getBytes(StandardCharsets.US_ASCII),
                "nistp256".getBytes(StandardCharsets.US_ASCII), point);
    }

    static String skEd25519(int seed) {
        String type = "sk-ssh-ed25519@openssh.com";
        return line(type, type.getBytes(StandardCharsets.US_ASCII), filled(32, seed),
                "ssh:".getBytes(StandardCharsets.US_ASCII));
    }

    static String rsa(int bits, int seed) {
        byte[] modulus = filled(bits / 8 + 1, seed);
        modulus[0] = 0; // mpint: positive, leading zero because the next byte has its high bit set
        modulus[1] = (byte) 0x80;
        return line("ssh-rsa", "ssh-rsa".getBytes(StandardCharsets.US_ASCII), new byte[] {1, 0, 1}, modulus);
    }

    /** {@code type} followed by the base64 of the given wire strings. */
    static String line(String type, byte[]... fields) {
        return type + " " + Base64.getEncoder().encodeToString(blob(fields));
    }

    static byte[] blob(byte[]... fields) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] field : fields) {
            out.write(field.length >>> 24);
            out.write(field.length >>> 16);
            out.write(field.length >>> 8);
            out.write(field.length);
            out.writeBytes(field);
        }
        return out.toByteArray();
    }

    private static byte[] filled(int length, int seed) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) seed);
        return bytes;
    }
}
