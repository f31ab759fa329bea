package dev.gatehouse.pki;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Objects;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

/** MINA-backed helpers behind {@link SshKeys}; keeps MINA types out of the public API. */
final class SshKeyCodec {
    /** Longest prefix of a bad line quoted back in an error; the rest is noise (or a paste accident). */
    private static final int QUOTE_LIMIT = 40;

    private SshKeyCodec() {}

    static KeyPair generateEd25519() {
        try {
            return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot generate an Ed25519 key pair: no provider supports it (is Bouncy Castle on the class path?)", e);
        }
    }

    static String toLine(PublicKey key) {
        Objects.requireNonNull(key, "key");
        try {
            return PublicKeyEntry.toString(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cannot encode a " + key.getAlgorithm() + " key as an OpenSSH public key line: " + e.getMessage(), e);
        }
    }

    static PublicKey parse(String line) {
        if (line == null || line.isBlank()) {
            throw new IllegalArgumentException("not an SSH public key: the line is empty; expected 'TYPE BASE64 [comment]'");
        }
        String trimmed = line.strip();
        PublicKey key;
        try {
            PublicKeyEntry entry = PublicKeyEntry.parsePublicKeyEntry(trimmed);
            key = entry == null ? null : entry.resolvePublicKey(null, null, null);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "not an SSH public key: '" + quote(trimmed) + "': " + reason(e)
                            + "; expected 'TYPE BASE64 [comment]' as in a .pub file",
                    e);
        }
        if (key == null) {
            throw new IllegalArgumentException(
                    "not an SSH public key: '" + quote(trimmed) + "': unknown or unsupported key type"
                            + "; expected e.g. 'ssh-ed25519 AAAA...'");
        }
        return key;
    }

    /**
     * {@code SHA256:...}. For a certificate this is the fingerprint of the certified key, as
     * {@code ssh-keygen -l} prints it, so audit records of key and certificate match.
     */
    static String fingerprint(PublicKey key) {
        Objects.requireNonNull(key, "key");
        PublicKey plain = key instanceof OpenSshCertificate cert ? cert.getCertPubKey() : key;
        String fp = KeyUtils.getFingerPrint(plain);
        if (fp == null || !fp.startsWith("SHA256:")) {
            throw new IllegalArgumentException("cannot fingerprint a " + key.getAlgorithm() + " key");
        }
        return fp;
    }

    static String quote(String text) {
        return quote(text, QUOTE_LIMIT);
    }

    /**
     * Printable-ASCII rendering of untrusted text for one-line error messages: control
     * characters, quotes and non-ASCII become Java-style unicode escapes, so a hostile value can neither
     * forge log lines nor hide what it contained.
     */
    static String quote(String text, int limit) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (; i < text.length() && i < limit; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        if (i < text.length()) {
            out.append("...");
        }
        return out.toString();
    }

    private static String reason(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : quote(message, 200);
    }
}
