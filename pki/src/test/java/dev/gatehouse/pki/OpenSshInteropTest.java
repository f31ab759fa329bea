package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the real OpenSSH binaries make of our certificates and key files. */
class OpenSshInteropTest {
    @TempDir Path tmp;

    @DisplayName("Threat: the certificate says something other than what the CA validated (as nodes read it)")
    @Test
    void sshKeygenShowsExactlyTheIntendedCertificate() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-06-01T12:00:00Z"), ZoneOffset.UTC);
        KeyPair caKey = SshKeys.generateEd25519();
        CertificateAuthority ca = CertificateAuthority.openSsh(caKey, Set.of(), clock);
        KeyPair user = SshKeys.generateEd25519();
        IssuedCertificate issued = ca.issue(new CertificateRequest(user.getPublic(), List.of("aiops"),
                "alice/session-7/grant-3", Duration.ofMinutes(2), Optional.empty(),
                List.of("127.0.0.1/32", "::1/128"), Set.of("permit-pty")));

        Path certFile = Processes.write(tmp.resolve("id-cert.pub"), issued.publicLine() + "\n");
        Processes.Result result = Processes.run(Processes.SSH_KEYGEN.toString(), "-L", "-f", certFile.toString());

        assertThat(result.exitCode()).as(result.output()).isZero();
        Map<String, List<String>> fields = parseCertificateListing(result.output());
        assertThat(fields.get("Type")).containsExactly("ssh-ed25519-cert-v01@openssh.com user certificate");
        assertThat(fields.get("Key ID")).containsExactly("\"alice/session-7/grant-3\"");
        assertThat(fields.get("Serial")).containsExactly(Long.toString(issued.serial()));
        assertThat(fields.get("Valid")).containsExactly("from 2026-06-01T11:59:00 to 2026-06-01T12:02:00");
        assertThat(fields.get("Principals")).containsExactly("aiops");
        assertThat(fields.get("Critical Options")).containsExactly("source-address 127.0.0.1/32,::1/128");
        assertThat(fields.get("Extensions")).containsExactly("permit-pty");
        assertThat(fields.get("Signing CA").get(0)).contains(SshKeys.fingerprint(caKey.getPublic()));
        assertThat(fields.get("Public key").get(0)).contains(SshKeys.fingerprint(user.getPublic()));
    }

    @Test
    void sshKeygenShowsNoExtensionsWhenNoneWereRequested() throws Exception {
        CertificateAuthority ca = CertificateAuthority.openSsh(SshKeys.generateEd25519(), Set.of(), Clock.systemUTC());
        IssuedCertificate issued = ca.issue(new CertificateRequest(SshKeys.generateEd25519().getPublic(),
                List.of("aiops"), "k", Duration.ofMinutes(1), Optional.empty(), List.of(), Set.of()));
        Path certFile = Processes.write(tmp.resolve("c-cert.pub"), issued.publicLine() + "\n");
        Map<String, List<String>> fields = parseCertificateListing(
                Processes.run(Processes.SSH_KEYGEN.toString(), "-L", "-f", certFile.toString()).output());
        assertThat(fields.get("Critical Options")).containsExactly("(none)");
        assertThat(fields.get("Extensions")).containsExactly("(none)");
    }

    @Test
    void fingerprintMatchesSshKeygen() throws Exception {
        KeyPair pair = SshKeys.generateEd25519();
        Path pub = Processes.write(tmp.resolve("k.pub"), SshKeys.toLine(pair.getPublic()) + " c\n");
        Processes.Result result = Processes.run(Processes.SSH_KEYGEN.toString(), "-l", "-E", "sha256", "-f",
                pub.toString());
        assertThat(result.output().split(" ")[1]).isEqualTo(SshKeys.fingerprint(pair.getPublic()));
    }

    @Test
    void sshKeygenReadsTheUnencryptedCaKey() throws Exception {
        KeyStorage storage = KeyStorage.software(tmp.resolve("keys"), Optional.empty());
        KeyPair pair = storage.loadOrGenerate("ssh-user-ca", KeyKind.ED25519);
        Path keyFile = tmp.resolve("keys/ssh-user-ca.key");

        Processes.Result result = Processes.run(Processes.SSH_KEYGEN.toString(), "-y", "-f", keyFile.toString());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(SshKeys.parse(result.output().strip())).isEqualTo(pair.getPublic());
        assertThat(Files.readString(tmp.resolve("keys/ssh-user-ca.pub")).strip())
                .startsWith(result.output().strip().split(" ")[0] + " " + result.output().strip().split(" ")[1]);
    }

    @DisplayName("Threat: the encrypted CA key is not really encrypted, or not in a format operators can manage")
    @Test
    void sshKeygenReadsTheEncryptedCaKeyOnlyWithThePassphrase() throws Exception {
        String passphrase = "correct horse battery staple";
        KeyStorage storage = KeyStorage.software(tmp.resolve("keys"), Optional.of(Secret.of(passphrase)));
        KeyPair pair = storage.loadOrGenerate("ssh-user-ca", KeyKind.ED25519);
        String keyFile = tmp.resolve("keys/ssh-user-ca.key").toString();

        Processes.Result good = Processes.run(Processes.SSH_KEYGEN.toString(), "-y", "-P", passphrase, "-f", keyFile);
        assertThat(good.exitCode()).as(good.output()).isZero();
        assertThat(SshKeys.parse(good.output().strip())).isEqualTo(pair.getPublic());

        assertThat(Processes.run(Processes.SSH_KEYGEN.toString(), "-y", "-P", "", "-f", keyFile).exitCode()).isNotZero();
        assertThat(Processes.run(Processes.SSH_KEYGEN.toString(), "-y", "-P", "wrong", "-f", keyFile).exitCode())
                .isNotZero();
        assertThat(Files.readString(Path.of(keyFile))).contains("BEGIN OPENSSH PRIVATE KEY");
    }

    @Test
    void keyEncryptedBySshKeygenLoadsWithThePassphrase() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("keys"));
        Path key = dir.resolve("host.key");
        Processes.Result made = Processes.run(Processes.SSH_KEYGEN.toString(), "-q", "-t", "ed25519", "-N", "s3cret-pass",
                "-C", "", "-f", key.toString());
        assertThat(made.exitCode()).as(made.output()).isZero();
        Files.move(dir.resolve("host.key.pub"), dir.resolve("host.pub"));

        KeyPair loaded = KeyStorage.software(dir, Optional.of(Secret.of("s3cret-pass")))
                .load("host", KeyKind.ED25519).orElseThrow();

        assertThat(SshKeys.toLine(loaded.getPublic()))
                .isEqualTo(String.join(" ", List.of(Files.readString(dir.resolve("host.pub")).strip().split(" ")).subList(0, 2)));
    }

    @Test
    void openSslReadsTheEncryptedJwsKeyOnlyWithThePassphrase() throws Exception {
        KeyStorage storage = KeyStorage.software(tmp.resolve("keys"), Optional.of(Secret.of("pem-pass-1")));
        storage.loadOrGenerate("audit", KeyKind.EC_P256);
        String pem = tmp.resolve("keys/audit.pem").toString();

        Processes.Result good = Processes.run("/usr/bin/openssl", "pkey", "-in", pem, "-passin", "pass:pem-pass-1",
                "-noout", "-text");
        assertThat(good.exitCode()).as(good.output()).isZero();
        assertThat(good.output()).contains("prime256v1");
        assertThat(Processes.run("/usr/bin/openssl", "pkey", "-in", pem, "-passin", "pass:nope", "-noout")
                .exitCode()).isNotZero();
        assertThat(Files.readString(Path.of(pem))).contains("BEGIN ENCRYPTED PRIVATE KEY");
    }

    /** {@code ssh-keygen -L}: "Name: value" lines, with list values on the indented lines below. */
    static Map<String, List<String>> parseCertificateListing(String output) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        String current = null;
        for (String line : output.split("\n")) {
            if (line.isBlank() || !Character.isWhitespace(line.charAt(0))) {
                continue; // the "file:" header
            }
            String stripped = line.strip();
            boolean nested = line.startsWith("\t\t") || line.startsWith("                ");
            int colon = stripped.indexOf(':');
            if (!nested && colon > 0) {
                current = stripped.substring(0, colon);
                String value = stripped.substring(colon + 1).strip();
                fields.put(current, new ArrayList<>());
                if (!value.isEmpty()) {
                    fields.get(current).add(value);
                }
            } else if (current != null) {
                fields.get(current).add(stripped);
            }
        }
        return fields;
    }
}
