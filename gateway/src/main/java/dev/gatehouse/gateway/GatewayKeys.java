package dev.gatehouse.gateway;

import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.KeyKind;
import dev.gatehouse.pki.KeyStorage;
import dev.gatehouse.pki.Secret;
import dev.gatehouse.recorder.CheckpointSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The gateway's long-lived keys and identity in the data directory, created on first start: the
 * SSH user CA, the SSH host key, the audit (JWS) key and this instance's chain id.
 */
public final class GatewayKeys {
    public static final String USER_CA = "user-ca";
    public static final String HOST_KEY = "host-key";
    public static final String AUDIT_KEY = "audit-key";

    private final KeyStorage storage;
    private final Path dataDir;

    private GatewayKeys(KeyStorage storage, Path dataDir) {
        this.storage = storage;
        this.dataDir = dataDir;
    }

    /** Opens the key storage, creating the data directory (0700) if needed. */
    public static GatewayKeys open(GatewayConfig config) throws IOException {
        Path dir = config.dataDir();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: permissions are the platform's
            }
        }
        return new GatewayKeys(KeyStorage.software(dir.resolve("keys"), passphrase(config.keys())), dir);
    }

    private static Optional<Secret> passphrase(GatewayConfig.Keys keys) throws IOException {
        if (keys.passphraseEnv().isPresent()) {
            String name = keys.passphraseEnv().get();
            String value = System.getenv(name);
            if (value == null || value.isEmpty()) {
                throw new IOException("keys.passphrase_env names " + name + ", but that environment variable is not set");
            }
            return Optional.of(Secret.of(value));
        }
        if (keys.passphraseFile().isPresent()) {
            Path file = keys.passphraseFile().get();
            String value = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (value.isEmpty()) {
                throw new IOException("passphrase file " + file + " is empty");
            }
            return Optional.of(Secret.of(value));
        }
        return Optional.empty();
    }

    public KeyPair userCa() throws IOException {
        return storage.loadOrGenerate(USER_CA, KeyKind.ED25519);
    }

    public KeyPair hostKey() throws IOException {
        return storage.loadOrGenerate(HOST_KEY, KeyKind.ED25519);
    }

    public KeyPair auditKey() throws IOException {
        return storage.loadOrGenerate(AUDIT_KEY, KeyKind.EC_P256);
    }

    /** Checkpoint signing with the audit key. */
    public CheckpointSigner checkpointSigner() throws IOException {
        JwsSigner jws = JwsSigner.es256(auditKey());
        return CheckpointSigner.of(jws::sign, jws::verify);
    }

    /** This instance's audit chain id, created once. */
    public String chainId() throws IOException {
        Optional<String> existing = existingChainId();
        if (existing.isPresent()) {
            return existing.get();
        }
        Path file = dataDir.resolve("instance-id");
        byte[] random = new byte[8];
        new SecureRandom().nextBytes(random);
        String id = "gw-" + HexFormat.of().formatHex(random);
        Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
        return id;
    }

    /** This instance's audit chain id if one was created (read-only tools must not create one). */
    public Optional<String> existingChainId() throws IOException {
        Path file = dataDir.resolve("instance-id");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String id = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (!id.matches("gw-[0-9a-f]{16}")) {
            throw new IOException(file + " does not hold a chain id (gw- and 16 hex digits); restore it from backup");
        }
        return Optional.of(id);
    }

    public Path dataDir() {
        return dataDir;
    }
}
