package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class SoftwareKeyStorageTest {
    static final String PASSPHRASE = "Tr0ub4dor&3-passphrase";

    @TempDir Path tmp;

    Path keys() {
        return tmp.resolve("data/keys");
    }

    KeyStorage encrypted() {
        return KeyStorage.software(keys(), Optional.of(Secret.of(PASSPHRASE)));
    }

    static Path privateFile(Path dir, String name, KeyKind kind) {
        return dir.resolve(name + (kind == KeyKind.ED25519 ? ".key" : ".pem"));
    }

    @DisplayName("Threat: another local user reads the CA key because the file or directory is too open")
    @ParameterizedTest
    @EnumSource(KeyKind.class)
    void keyFilesAre0600AndTheDirectory0700(KeyKind kind) throws IOException {
        encrypted().loadOrGenerate("k", kind);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile(keys(), "k", kind))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys()))).isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(keys())) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void sshKeysAlsoGetAPublicKeyFile() throws IOException {
        KeyPair pair = encrypted().loadOrGenerate("ssh-user-ca", KeyKind.ED25519);
        String line = Files.readString(keys().resolve("ssh-user-ca.pub"));
        assertThat(line).startsWith(SshKeys.toLine(pair.getPublic()) + " gatehouse-ssh-user-ca").endsWith("\n");
    }

    /** A host that only verifies (an auditor's) reads the audit key's public half without the private key or its passphrase. */
    @Test
    void ecKeysAlsoGetAPublicKeyFileReadableWithoutThePassphrase() throws IOException {
        KeyPair pair = encrypted().loadOrGenerate("audit-key", KeyKind.EC_P256);
        assertThat(Files.readString(keys().resolve("audit-key.pub"))).startsWith("-----BEGIN PUBLIC KEY-----");
        Files.delete(keys().resolve("audit-key.pem"));
        KeyStorage verifierOnly = KeyStorage.software(keys(), Optional.empty());
        assertThat(verifierOnly.loadPublic("audit-key", KeyKind.EC_P256)).hasValueSatisfying(
                k -> assertThat(k.getEncoded()).isEqualTo(pair.getPublic().getEncoded()));
        assertThat(verifierOnly.loadPublic("missing", KeyKind.EC_P256)).isEmpty();
        assertThat(verifierOnly.load("audit-key", KeyKind.EC_P256)).as("nothing generated").isEmpty();
    }

    /** Threat: someone swaps the audit key's public file so that verifiers trust checkpoints signed with their own key. */
    @Test
    void anEcPublicKeyFileThatIsNotThePrivateKeysHalfIsRefused() throws IOException {
        encrypted().loadOrGenerate("audit-key", KeyKind.EC_P256);
        Files.delete(keys().resolve("audit-key.pub"));
        Files.write(keys().resolve("audit-key.pub"), KeyFileCodec.encodePublicPem(
                KeyFileCodec.generate(KeyKind.EC_P256).getPublic()));
        assertThatThrownBy(() -> encrypted().load("audit-key", KeyKind.EC_P256)).isInstanceOf(IOException.class)
                .hasMessageContaining("audit-key.pub does not hold the public half of");
    }

    @ParameterizedTest
    @EnumSource(KeyKind.class)
    void secondLoadReturnsTheSameKeyAndDoesNotRegenerate(KeyKind kind) throws IOException {
        KeyPair first = encrypted().loadOrGenerate("k", kind);
        byte[] fileBefore = Files.readAllBytes(privateFile(keys(), "k", kind));

        KeyPair again = encrypted().loadOrGenerate("k", kind);
        KeyPair loaded = encrypted().load("k", kind).orElseThrow();

        assertThat(again.getPublic()).isEqualTo(first.getPublic());
        assertThat(loaded.getPublic()).isEqualTo(first.getPublic());
        // Encodings may differ (PKCS#8 v1/v2, optional public point); what the key signs may not.
        assertThat(signsFor(again.getPrivate(), first.getPublic(), kind)).isTrue();
        assertThat(Files.readAllBytes(privateFile(keys(), "k", kind))).isEqualTo(fileBefore);
    }

    @ParameterizedTest
    @EnumSource(KeyKind.class)
    void unencryptedStorageRoundTrips(KeyKind kind) throws IOException {
        KeyStorage plain = KeyStorage.software(keys(), Optional.empty());
        KeyPair first = plain.loadOrGenerate("k", kind);
        assertThat(plain.load("k", kind).orElseThrow().getPublic()).isEqualTo(first.getPublic());
    }

    @Test
    void loadWithoutAKeyReturnsEmptyAndCreatesNothing() throws IOException {
        assertThat(encrypted().load("absent", KeyKind.ED25519)).isEmpty();
        assertThat(keys()).doesNotExist();
    }

    @DisplayName("Threat: a key file encrypted with a passphrase is readable without it")
    @ParameterizedTest
    @EnumSource(KeyKind.class)
    void keyFilesAreEncryptedWhenAPassphraseIsSet(KeyKind kind) throws IOException {
        encrypted().loadOrGenerate("k", kind);
        String content = Files.readString(privateFile(keys(), "k", kind));
        assertThat(content).doesNotContain(PASSPHRASE);
        assertThatThrownBy(() -> KeyStorage.software(keys(), Optional.empty()).load("k", kind))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(privateFile(keys(), "k", kind).toString())
                .hasMessageContaining("no key passphrase is configured");
    }

    @DisplayName("Threat: a wrong passphrase leaks into logs through the exception, or yields a garbage key")
    @ParameterizedTest
    @EnumSource(KeyKind.class)
    void wrongPassphraseGivesAClearErrorThatNeverContainsThePassphrase(KeyKind kind) throws IOException {
        encrypted().loadOrGenerate("k", kind);
        String wrong = "wrong-passphrase-xyz";
        KeyStorage wrongStorage = KeyStorage.software(keys(), Optional.of(Secret.of(wrong)));

        assertThatThrownBy(() -> wrongStorage.loadOrGenerate("k", kind))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot decrypt " + privateFile(keys(), "k", kind))
                .hasMessageContaining("wrong passphrase")
                .satisfies(e -> assertNoSecretIn(e, wrong, PASSPHRASE));
        // Nothing was regenerated over the existing key.
        assertThat(encrypted().load("k", kind)).isPresent();
    }

    @DisplayName("Threat: an operator believes keys are encrypted at rest while an old plain file is used")
    @ParameterizedTest
    @EnumSource(KeyKind.class)
    void unencryptedFileIsRefusedWhenAPassphraseIsConfigured(KeyKind kind) throws IOException {
        KeyStorage.software(keys(), Optional.empty()).loadOrGenerate("k", kind);
        assertThatThrownBy(() -> encrypted().load("k", kind))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is not encrypted but a key passphrase is configured")
                .satisfies(e -> assertNoSecretIn(e, PASSPHRASE));
    }

    @DisplayName("Threat: a key file that others can read is used silently instead of being flagged")
    @Test
    void groupOrWorldReadableKeyFileIsRefused() throws IOException {
        encrypted().loadOrGenerate("k", KeyKind.ED25519);
        Path file = privateFile(keys(), "k", KeyKind.ED25519);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> encrypted().load("k", KeyKind.ED25519))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("chmod 600 " + file);
    }

    @ParameterizedTest
    @EnumSource(KeyKind.class)
    void damagedFileGivesAnErrorNamingTheFileAndIsNotOverwritten(KeyKind kind) throws IOException {
        Files.createDirectories(keys());
        Path file = privateFile(keys(), "k", kind);
        Files.writeString(file, "not a key\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> KeyStorage.software(keys(), Optional.empty()).loadOrGenerate("k", kind))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("move it away");
        assertThat(Files.readString(file)).isEqualTo("not a key\n");
    }

    @Test
    void fileOfTheWrongKindIsRefused() throws IOException {
        KeyStorage plain = KeyStorage.software(keys(), Optional.empty());
        plain.loadOrGenerate("k", KeyKind.EC_P256);
        Files.copy(privateFile(keys(), "k", KeyKind.EC_P256), privateFile(keys(), "k", KeyKind.ED25519));
        assertThatThrownBy(() -> plain.load("k", KeyKind.ED25519)).isInstanceOf(IOException.class);
    }

    @DisplayName("Threat: a key name escapes the key directory (path traversal)")
    @ParameterizedTest
    @ValueSource(strings = {"../ca", "a/b", "", ".hidden", "-x", "a\nb", "/etc/passwd", ".."})
    void keyNamesMustBePlainFileNames(String name) {
        assertThatThrownBy(() -> encrypted().loadOrGenerate(name, KeyKind.ED25519))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key name");
    }

    @Test
    void blankPassphraseIsRefusedRatherThanSilentlyWritingPlainKeys() {
        for (String blank : new String[] {"", "   "}) {
            assertThatThrownBy(() -> KeyStorage.software(keys(), Optional.of(Secret.of(blank))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("passphrase is empty or blank");
        }
    }

    @Test
    void secretToStringIsMasked() {
        Secret secret = Secret.of(PASSPHRASE);
        assertThat(secret.toString()).isEqualTo("Secret[****]").doesNotContain(PASSPHRASE);
        assertThat(String.valueOf(Optional.of(secret))).doesNotContain(PASSPHRASE);
        assertThat(encrypted().toString()).doesNotContain(PASSPHRASE);
    }

    static boolean signsFor(java.security.PrivateKey privateKey, java.security.PublicKey publicKey, KeyKind kind) {
        try {
            var factory = kind == KeyKind.ED25519
                    ? org.apache.sshd.common.signature.BuiltinSignatures.ed25519
                    : org.apache.sshd.common.signature.BuiltinSignatures.nistp256;
            byte[] data = {1, 2, 3};
            var signer = factory.create();
            signer.initSigner(null, privateKey);
            signer.update(null, data);
            byte[] signature = signer.sign(null);
            var verifier = factory.create();
            verifier.initVerifier(null, publicKey);
            verifier.update(null, data);
            return verifier.verify(null, signature);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static void assertNoSecretIn(Throwable error, String... secrets) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            for (String secret : secrets) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
                assertThat(t.toString()).doesNotContain(secret);
            }
        }
    }
}
