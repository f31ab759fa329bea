package dev.gatehouse.pki;

import java.security.KeyPair;
import java.security.PublicKey;

/** OpenSSH key helpers shared by the gateway and the CLI. */
public final class SshKeys {
    private SshKeys() {}

    /** A fresh Ed25519 key pair (for per-connection certificates). */
    public static KeyPair generateEd25519() {
        return SshKeyCodec.generateEd25519();
    }

    /** {@code TYPE BASE64} (no comment) for a public key or certificate. */
    public static String toLine(PublicKey key) {
        return SshKeyCodec.toLine(key);
    }

    /** Parses {@code TYPE BASE64 [comment]}. @throws IllegalArgumentException with a clear reason */
    public static PublicKey parse(String line) {
        return SshKeyCodec.parse(line);
    }

    /** {@code SHA256:...} fingerprint as OpenSSH prints it. */
    public static String fingerprint(PublicKey key) {
        return SshKeyCodec.fingerprint(key);
    }
}
