package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SshKeysTest {

    @Test
    void generatedKeysAreDistinctEd25519() {
        KeyPair a = SshKeys.generateEd25519();
        KeyPair b = SshKeys.generateEd25519();
        assertThat(SshKeys.toLine(a.getPublic())).startsWith("ssh-ed25519 AAAA");
        assertThat(a.getPublic()).isNotEqualTo(b.getPublic());
    }

    @Test
    void lineRoundTripsWithAndWithoutComment() {
        PublicKey key = SshKeys.generateEd25519().getPublic();
        String line = SshKeys.toLine(key);
        assertThat(line).doesNotContain("\n").matches("ssh-ed25519 [A-Za-z0-9+/=]+");
        assertThat(SshKeys.parse(line)).isEqualTo(key);
        assertThat(SshKeys.parse("  " + line + " alice@laptop  \n")).isEqualTo(key);
    }

    @Test
    void certificateLineRoundTrips() {
        CertificateAuthority ca = CertificateAuthority.openSsh(SshKeys.generateEd25519(), Set.of(), Clock.systemUTC());
        IssuedCertificate issued = ca.issue(new CertificateRequest(SshKeys.generateEd25519().getPublic(),
                List.of("aiops"), "k", Duration.ofMinutes(1), Optional.empty(), List.of(), Set.of()));
        PublicKey parsed = SshKeys.parse(issued.publicLine());
        assertThat(parsed).isInstanceOf(OpenSshCertificate.class);
        assertThat(((OpenSshCertificate) parsed).getSerial()).isEqualTo(issued.serial());
        assertThat(SshKeys.toLine(parsed)).isEqualTo(issued.publicLine());
        assertThat(SshKeys.fingerprint(parsed))
                .isEqualTo(SshKeys.fingerprint(((OpenSshCertificate) issued.certificate()).getCertPubKey()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "ssh-ed25519", "ssh-ed25519 !!!notbase64", "ssh-ed25519 AAAA",
        "ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIA==", "AAAAC3NzaC1lZDI1NTE5", "# a comment"})
    void badLinesGiveAClearIllegalArgumentException(String line) {
        assertThatThrownBy(() -> SshKeys.parse(line))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not an SSH public key")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void nullLineIsRefused() {
        assertThatThrownBy(() -> SshKeys.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fingerprintIsOpenSshSha256Form() {
        assertThat(SshKeys.fingerprint(SshKeys.generateEd25519().getPublic())).matches("SHA256:[A-Za-z0-9+/]{43}");
    }

    /** sshd 2.20 is built against BC 1.86; this runs Ed25519 through MINA's own signer on BC 1.87. */
    @Test
    void ed25519SignsAndVerifiesThroughMinaWithThisBouncyCastle() throws Exception {
        assertThat(new org.bouncycastle.jce.provider.BouncyCastleProvider().getVersionStr()).startsWith("1.87");
        KeyPair pair = SshKeys.generateEd25519();
        byte[] data = "challenge".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        org.apache.sshd.common.signature.Signature signer = BuiltinSignatures.ed25519.create();
        signer.initSigner(null, pair.getPrivate());
        signer.update(null, data);
        byte[] signature = signer.sign(null);

        org.apache.sshd.common.signature.Signature verifier = BuiltinSignatures.ed25519.create();
        verifier.initVerifier(null, pair.getPublic());
        verifier.update(null, data);
        assertThat(verifier.verify(null, signature)).isTrue();

        verifier.initVerifier(null, SshKeys.generateEd25519().getPublic());
        verifier.update(null, data);
        assertThat(verifier.verify(null, signature)).isFalse();
    }
}
