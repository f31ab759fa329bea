package dev.gatehouse.gateway;

import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.JwsVerifier;
import dev.gatehouse.pki.KeyKind;
import dev.gatehouse.pki.KeyStorage;
import dev.gatehouse.pki.Secret;
import dev.gatehouse.pki.TlsCertificateAuthority;
import dev.gatehouse.recorder.CheckpointSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The gateway's long-lived keys and identity in the data directory, created on first start: the
 * SSH user CA, the SSH host key, the audit (JWS) key (with {@code keys/audit-key.pub}, its public
 * half for hosts that only verify), the TLS CA (key {@code keys/tls-ca.pem}, certificate
 * {@code keys/tls-ca.crt}), the web identity-assertion key and this instance's chain id. Tools
 * ({@link #forTools}) never create any of them.
 */
public final class GatewayKeys {
    public static final String USER_CA = "user-ca";
    public static final String HOST_KEY = "host-key";
    public static final String AUDIT_KEY = "audit-key";
    public static final String TLS_CA = TlsCertificateAuthority.KEY_NAME;
    /** ES256 key that signs the {@code Gatehouse-Jwt-Assertion} header sent to apps. */
    public static final String WEB_ASSERTION_KEY = "web-assertion";
    /** ES256 key that signs console API tokens ({@code api-token}); its public half is not published. */
    public static final String API_TOKEN_KEY = "api-token";

    private final GatewayConfig.Keys keyConfig;
    private final Path dataDir;
    private KeyStorage storage;

    private GatewayKeys(GatewayConfig.Keys keyConfig, Path dataDir, KeyStorage storage) {
        this.keyConfig = keyConfig;
        this.dataDir = dataDir;
        this.storage = storage;
    }

    /** Opens the key storage for the gateway, creating the data directory (0700) if needed. */
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
        return new GatewayKeys(config.keys(), dir, KeyStorage.software(dir.resolve("keys"), passphrase(config.keys())));
    }

    /**
     * The keys as a tool (the CLI) sees them: nothing is created, and the key passphrase is only
     * asked for when a private key is read.
     */
    public static GatewayKeys forTools(GatewayConfig config) {
        return new GatewayKeys(config.keys(), config.dataDir(), null);
    }

    private KeyStorage storage() throws IOException {
        if (storage == null) {
            storage = KeyStorage.software(dataDir.resolve("keys"), passphrase(keyConfig));
        }
        return storage;
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
        return storage().loadOrGenerate(USER_CA, KeyKind.ED25519);
    }

    public KeyPair hostKey() throws IOException {
        return storage().loadOrGenerate(HOST_KEY, KeyKind.ED25519);
    }

    /** The audit key, created on first use (the gateway's start), with its public file {@code keys/audit-key.pub}. */
    public KeyPair auditKey() throws IOException {
        return storage().loadOrGenerate(AUDIT_KEY, KeyKind.EC_P256);
    }

    /**
     * The TLS CA, its key and certificate created on first use (the gateway's start); named
     * after this instance's chain id.
     *
     * @throws IOException when the key or certificate cannot be read or written, or do not match
     */
    public TlsCertificateAuthority tlsCa(Clock clock) throws IOException {
        return TlsCertificateAuthority.open(storage(), tlsCaCertificateFile(), chainId(), clock);
    }

    /**
     * The TLS CA certificate as written at the gateway's first start, for {@code ca show tls};
     * never creates anything and needs no passphrase.
     *
     * @throws IOException when it is missing (the gateway has not started yet) or unreadable
     */
    public X509Certificate existingTlsCaCertificate() throws IOException {
        Path file = tlsCaCertificateFile();
        if (!Files.exists(file)) {
            throw new IOException("no TLS CA certificate (" + TlsCertificateAuthority.CERTIFICATE_FILE + ") in "
                    + file.getParent() + " yet: the gateway creates it at its first start (gatehouse serve); check data_dir");
        }
        return TlsCertificateAuthority.readCertificate(file);
    }

    private Path tlsCaCertificateFile() {
        return dataDir.resolve("keys").resolve(TlsCertificateAuthority.CERTIFICATE_FILE);
    }

    /** The key that signs identity assertions for apps (ES256), created on first use. */
    public KeyPair webAssertionKey() throws IOException {
        return storage().loadOrGenerate(WEB_ASSERTION_KEY, KeyKind.EC_P256);
    }

    /** The key that signs console API tokens (ES256), created on first use. */
    public KeyPair apiTokenKey() throws IOException {
        return storage().loadOrGenerate(API_TOKEN_KEY, KeyKind.EC_P256);
    }

    /**
     * An existing SSH key ({@link #USER_CA} or {@link #HOST_KEY}), never created here.
     *
     * @throws IOException when it is missing (the gateway has not started yet) or unreadable
     */
    public KeyPair existingSshKey(String name) throws IOException {
        return storage().load(name, KeyKind.ED25519).orElseThrow(() -> new IOException("no " + name + " key in "
                + dataDir.resolve("keys") + " yet: the gateway creates its keys at its first start (gatehouse serve);"
                + " check data_dir"));
    }

    /**
     * The audit key's verifying half, for {@code audit verify}; never creates a key. From the
     * private key when it is here and its passphrase is at hand (then {@code keys/audit-key.pub},
     * if present, must be its public half); otherwise from {@code keys/audit-key.pub} alone, which
     * is all an auditor's host needs.
     *
     * @throws IOException when neither is here, or a key file cannot be read
     */
    public JwsVerifier auditVerifier() throws IOException {
        Path keys = dataDir.resolve("keys");
        Optional<PublicKey> published = KeyStorage.software(keys, Optional.empty()).loadPublic(AUDIT_KEY, KeyKind.EC_P256);
        if (published.isEmpty() || passphraseAtHand()) {
            Optional<KeyPair> pair = storage().load(AUDIT_KEY, KeyKind.EC_P256);
            if (pair.isPresent()) {
                return JwsVerifier.es256(pair.get().getPublic());
            }
        }
        return JwsVerifier.es256(published.orElseThrow(() -> new IOException("no audit key to verify with in " + keys
                + ": neither audit-key.pub nor the private key is there. On an auditor's host, copy audit-key.pub from"
                + " the gateway's data folder (data_dir/keys/, written at its start) into " + keys
                + "; on the gateway's host, check data_dir")));
    }

    /** True when reading a private key needs no passphrase, or the configured one can be had. */
    private boolean passphraseAtHand() {
        if (keyConfig.passphraseEnv().isPresent()) {
            String value = System.getenv(keyConfig.passphraseEnv().get());
            return value != null && !value.isEmpty();
        }
        return keyConfig.passphraseFile().map(Files::isReadable).orElse(true);
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
