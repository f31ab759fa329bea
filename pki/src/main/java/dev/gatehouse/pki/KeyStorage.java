package dev.gatehouse.pki;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Optional;

/**
 * Where the gateway's long-lived keys live. The software backend keeps them as files (0600,
 * encrypted when a passphrase is set); an HSM/PKCS#11 backend can implement the same interface.
 */
public interface KeyStorage {

    /**
     * Loads the named key pair, generating it and writing it on first use.
     *
     * @throws IOException when the file exists but cannot be read or decrypted (wrong passphrase),
     *     or cannot be written; the message names the file and what to do
     */
    KeyPair loadOrGenerate(String name, KeyKind kind) throws IOException;

    /** Loads an existing key pair without creating one. */
    Optional<KeyPair> load(String name, KeyKind kind) throws IOException;

    /**
     * Reads the public half of a key from its public-key file alone (no private key, no
     * passphrase), as a host that only verifies has it; never writes.
     *
     * @return empty when there is no public-key file
     * @throws IOException when the file exists but does not hold a key of this kind
     */
    Optional<PublicKey> loadPublic(String name, KeyKind kind) throws IOException;

    /** Software storage under {@code dir}; files are written 0600 and encrypted when a passphrase is given. */
    static KeyStorage software(Path dir, Optional<Secret> passphrase) {
        return new SoftwareKeyStorage(dir, passphrase);
    }
}
