package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.Test;

class Ed25519CertificateSignerTest {
    private final KeyPair ca = SshKeys.generateEd25519();
    private final KeyPair subject = SshKeys.generateEd25519();

    private static byte[] nonce() {
        byte[] n = new byte[32];
        new SecureRandom().nextBytes(n);
        return n;
    }

    @Test
    void writesExactlyWhatMinasBuilderWritesForTheSameNonce() throws Exception {
        // Threat: a hand-written encoding that nodes parse differently than intended (a principal or
        // source-address lost). Ed25519 is deterministic, so equal input must give equal bytes.
        byte[] nonce = nonce();
        TreeMap<String, String> critical = new TreeMap<>(Map.of(OpenSshCertificate.SOURCE_ADDRESS, "127.0.0.1/32,10.0.0.0/8"));
        List<String> extensions = List.of("permit-port-forwarding", "permit-pty");
        OpenSshCertificate mine = new Ed25519CertificateSigner(ca).sign(subject.getPublic(), nonce, 4242L,
                "user=alice;session=s-1", List.of("aiops", "mlops"), 1_700_000_000L, 1_700_000_120L, critical, extensions);
        OpenSshCertificate theirs = OpenSshCertificateBuilder.userCertificate().publicKey(subject.getPublic())
                .serial(4242L).id("user=alice;session=s-1").principals(List.of("aiops", "mlops"))
                .validAfter(1_700_000_000L).validBefore(1_700_000_120L)
                .criticalOption(OpenSshCertificate.SOURCE_ADDRESS, "127.0.0.1/32,10.0.0.0/8")
                .extensions(Map.of("permit-port-forwarding", "", "permit-pty", "")).nonce(nonce).sign(ca);

        assertThat(mine.getMessage()).isEqualTo(theirs.getMessage());
        assertThat(mine.getSignature()).isEqualTo(theirs.getSignature());
        // and the object answers like the builder's, down to the -cert.pub line it encodes to
        assertThat(SshKeys.toLine(mine)).isEqualTo(SshKeys.toLine(theirs));
        assertThat(mine.getExtensions()).isEqualTo(theirs.getExtensions());
        assertThat(mine.getCriticalOptions()).isEqualTo(theirs.getCriticalOptions());
        assertThat(mine.getPrincipals()).containsExactly("aiops", "mlops");
        assertThat(mine.getCriticalOptions()).extracting(OpenSshCertificate.CertificateOption::getData)
                .containsExactly("127.0.0.1/32,10.0.0.0/8");
        assertThat(mine.getSerial()).isEqualTo(4242L);
    }

    @Test
    void withoutOptionsOrExtensionsToo() throws Exception {
        byte[] nonce = nonce();
        OpenSshCertificate mine = new Ed25519CertificateSigner(ca).sign(subject.getPublic(), nonce, 7L, "k",
                List.of("aiops"), 10L, 20L, new TreeMap<>(), List.of());
        OpenSshCertificate theirs = OpenSshCertificateBuilder.userCertificate().publicKey(subject.getPublic())
                .serial(7L).id("k").principals(List.of("aiops")).validAfter(10L).validBefore(20L).nonce(nonce).sign(ca);
        assertThat(mine.getMessage()).isEqualTo(theirs.getMessage());
        assertThat(mine.getSignature()).isEqualTo(theirs.getSignature());
        assertThat(SshKeys.toLine(mine)).isEqualTo(SshKeys.toLine(theirs));
    }

    @Test
    void aCaWhosePrivateHalfDoesNotMatchItsPublicHalfIsRefused() {
        // Threat: certificates signed by one key but announced under another, which no node verifies.
        KeyPair mixed = new KeyPair(ca.getPublic(), subject.getPrivate());
        assertThatThrownBy(() -> new Ed25519CertificateSigner(mixed))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not match");
    }
}
