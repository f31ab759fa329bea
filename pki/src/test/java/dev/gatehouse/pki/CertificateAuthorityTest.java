package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CertificateAuthorityTest {
    /** Half a second past the minute, so rounding to whole seconds is exercised. */
    static final Instant NOW = Instant.parse("2026-06-01T12:00:00.500Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final KeyPair CA_KEY = SshKeys.generateEd25519();
    static final KeyPair USER_KEY = SshKeys.generateEd25519();

    final CertificateAuthority ca = CertificateAuthority.openSsh(CA_KEY, Set.of("toor", "Admin"), CLOCK);

    static CertificateRequest request(List<String> principals) {
        return new CertificateRequest(USER_KEY.getPublic(), principals, "alice/s-1", Duration.ofMinutes(2),
                Optional.empty(), List.of(), Set.of());
    }

    static CertificateRequest withTtl(Duration ttl, Optional<Instant> notAfter) {
        return new CertificateRequest(USER_KEY.getPublic(), List.of("aiops"), "alice/s-1", ttl, notAfter,
                List.of(), Set.of());
    }

    static OpenSshCertificate cert(IssuedCertificate issued) {
        return (OpenSshCertificate) issued.certificate();
    }

    @DisplayName("Threat: a caller (bug or compromise) asks the CA for a root or malformed principal; the CA refuses")
    @ParameterizedTest(name = "[{index}] refuses \"{0}\"")
    @ValueSource(strings = {
        "root", "ROOT", "Root", "rOoT", "root ", " root", "aiops,root", "*", "?", "!x", "", "ai*", "a?b",
        "a\nb", "aiops\u0000", "a\tb", "a b", "a@b", "a/b", "-x", "0day", ".hidden",
        "abcdefghijklmnopqrstuvwxyz0123456", // 33 characters
        "jos\u00e9", "\u0440oot", "a\u00a0b", "a\u2028b", "a\u007fb"})
    void caRefusesRootAndMalformedPrincipals(String principal) {
        assertThatThrownBy(() -> ca.issue(request(List.of(principal))))
                .isInstanceOf(CertificateRefusedException.class)
                .hasMessageStartingWith("refusing to sign: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContainPattern("[\\r\\n\\u0000\\t]")
                        .matches("\\p{Print}+"));
    }

    @DisplayName("Threat: root hidden among allowed principals still gets a certificate that logs in as root")
    @Test
    void rootAmongOtherPrincipalsIsRefusedWithAClearMessage() {
        assertThatThrownBy(() -> ca.issue(request(List.of("aiops", "ROOT"))))
                .isInstanceOf(CertificateRefusedException.class)
                .hasMessage("refusing to sign: root is never a permitted principal");
    }

    @DisplayName("Threat: a configured uid-0 alias or admin account is signed because only 'root' is checked")
    @ParameterizedTest
    @ValueSource(strings = {"toor", "TOOR", "admin", "ADMIN", "Admin"})
    void configuredForbiddenLoginsAreRefusedInAnyCase(String login) {
        assertThatThrownBy(() -> ca.issue(request(List.of("aiops", login))))
                .isInstanceOf(CertificateRefusedException.class)
                .hasMessageContaining("forbidden login");
    }

    @Test
    void configurationCannotAllowRootByOmittingIt() {
        CertificateAuthority noExtras = CertificateAuthority.openSsh(CA_KEY, Set.of(), CLOCK);
        assertThatThrownBy(() -> noExtras.issue(request(List.of("root"))))
                .isInstanceOf(CertificateRefusedException.class);
    }

    @Test
    void emptyPrincipalListIsRefused() {
        assertThatThrownBy(() -> ca.issue(request(List.of())))
                .isInstanceOf(CertificateRefusedException.class)
                .hasMessageContaining("at least one principal");
    }

    @ParameterizedTest
    @ValueSource(strings = {"aiops", "mlops", "a", "_svc", "svc-1", "first.last", "User_2",
        "abcdefghijklmnopqrstuvwxyz012345"}) // 32 characters
    void portableLoginNamesAreSigned(String login) {
        IssuedCertificate issued = ca.issue(request(List.of(login)));
        assertThat(issued.principals()).containsExactly(login);
        assertThat(cert(issued).getPrincipals()).containsExactly(login);
    }

    @Test
    void validityStartsSixtySecondsBackAndEndsAtTtlInWholeSeconds() {
        IssuedCertificate issued = ca.issue(request(List.of("aiops")));
        // 12:00:00.5 - 60 s rounded up; 12:00:00.5 + 2 min rounded down.
        assertThat(issued.validAfter()).isEqualTo(Instant.parse("2026-06-01T11:59:01Z"));
        assertThat(issued.validBefore()).isEqualTo(Instant.parse("2026-06-01T12:02:00Z"));
        assertThat(cert(issued).getValidAfter()).isEqualTo(issued.validAfter().getEpochSecond());
        assertThat(cert(issued).getValidBefore()).isEqualTo(issued.validBefore().getEpochSecond());
        assertThat(Duration.between(issued.validAfter(), NOW)).isLessThanOrEqualTo(Duration.ofSeconds(60));
    }

    @DisplayName("Threat: an elevation certificate outlives the grant it was issued for")
    @Test
    void validityNeverExceedsNotAfter() {
        Instant grantEnd = NOW.plusSeconds(30).plusMillis(700);
        IssuedCertificate issued = ca.issue(withTtl(Duration.ofMinutes(10), Optional.of(grantEnd)));
        assertThat(issued.validBefore()).isEqualTo(Instant.parse("2026-06-01T12:00:31Z")).isBeforeOrEqualTo(grantEnd);
        assertThat(cert(issued).getValidBefore()).isEqualTo(issued.validBefore().getEpochSecond());
    }

    @Test
    void notAfterLaterThanTtlLeavesTtlInCharge() {
        IssuedCertificate issued = ca.issue(withTtl(Duration.ofMinutes(2), Optional.of(NOW.plusSeconds(3600))));
        assertThat(issued.validBefore()).isEqualTo(Instant.parse("2026-06-01T12:02:00Z"));
    }

    @DisplayName("Threat: a certificate is minted for a grant that has already ended")
    @Test
    void expiredOrImminentNotAfterIsRefused() {
        assertThatThrownBy(() -> ca.issue(withTtl(Duration.ofMinutes(2), Optional.of(NOW.minusSeconds(1)))))
                .isInstanceOf(CertificateRefusedException.class).hasMessageContaining("not after now");
        assertThatThrownBy(() -> ca.issue(withTtl(Duration.ofMinutes(2), Optional.of(NOW.plusMillis(300)))))
                .isInstanceOf(CertificateRefusedException.class).hasMessageContaining("not after now");
    }

    @DisplayName("Threat: a misconfigured or hostile ttl yields a long-lived or backdated certificate")
    @Test
    void zeroNegativeAndOverlongTtlAreRefused() {
        for (Duration ttl : List.of(Duration.ZERO, Duration.ofSeconds(-1), Duration.ofDays(-3),
                CertificateAuthority.MAX_TTL.plusSeconds(1), Duration.ofDays(3650))) {
            assertThatThrownBy(() -> ca.issue(withTtl(ttl, Optional.empty())))
                    .as("ttl %s", ttl)
                    .isInstanceOf(CertificateRefusedException.class)
                    .hasMessageContaining("ttl");
        }
        assertThat(ca.issue(withTtl(CertificateAuthority.MAX_TTL, Optional.empty())).validBefore())
                .isBeforeOrEqualTo(NOW.plus(CertificateAuthority.MAX_TTL));
    }

    @Test
    void onlyRequestedExtensionsAreSigned() {
        IssuedCertificate none = ca.issue(request(List.of("aiops")));
        assertThat(cert(none).getExtensionsMap()).isEmpty();

        IssuedCertificate pty = ca.issue(new CertificateRequest(USER_KEY.getPublic(), List.of("aiops"), "k",
                Duration.ofMinutes(1), Optional.empty(), List.of(), Set.of("permit-pty", "permit-agent-forwarding")));
        assertThat(cert(pty).getExtensionsMap())
                .containsOnlyKeys("permit-agent-forwarding", "permit-pty")
                .containsValues("", "");
    }

    @DisplayName("Threat: an unknown or misspelt extension slips a capability past review")
    @ParameterizedTest
    @ValueSource(strings = {"permit-everything", "PERMIT-PTY", "no-touch-required", "", "permit-pty "})
    void unknownExtensionsAreRefused(String extension) {
        assertThatThrownBy(() -> ca.issue(new CertificateRequest(USER_KEY.getPublic(), List.of("aiops"), "k",
                Duration.ofMinutes(1), Optional.empty(), List.of(), Set.of(extension))))
                .isInstanceOf(CertificateRefusedException.class)
                .hasMessageContaining("unknown extension");
    }

    @Test
    void sourceAddressCriticalOptionIsExactlyTheRequestedCidrs() {
        IssuedCertificate issued = ca.issue(new CertificateRequest(USER_KEY.getPublic(), List.of("aiops"), "k",
                Duration.ofMinutes(1), Optional.empty(), List.of("127.0.0.1/32", "10.0.0.0/8", "::1/128", "fd00::/8"),
                Set.of()));
        assertThat(cert(issued).getCriticalOptionsMap())
                .containsExactly(java.util.Map.entry("source-address", "127.0.0.1/32,10.0.0.0/8,::1/128,fd00::/8"));
    }

    @Test
    void noSourceAddressMeansNoCriticalOption() {
        assertThat(cert(ca.issue(request(List.of("aiops")))).getCriticalOptionsMap()).isEmpty();
    }

    @DisplayName("Threat: a malformed source-address makes nodes reject the certificate or widens where it works")
    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "127.0.0.1/33", "10.0.0.1/8", "256.0.0.1/32", "01.2.3.4/32",
        "1.2.3/24", "::1/129", "example.com/32", "10.0.0.0/8,0.0.0.0/0", "10.0.0.0/8 ", "", "fe80::1%eth0/128",
        "::ffff:1.2.3.4/128", "1.2.3.4/-1", "::1/128\n"})
    void malformedSourceAddressesAreRefused(String cidr) {
        assertThatThrownBy(() -> ca.issue(new CertificateRequest(USER_KEY.getPublic(), List.of("aiops"), "k",
                Duration.ofMinutes(1), Optional.empty(), List.of(cidr), Set.of())))
                .isInstanceOf(CertificateRefusedException.class)
                .hasMessageContaining("source address");
    }

    @DisplayName("Threat: a repeated serial makes revocation (KRL) or audit hit the wrong certificate")
    @Test
    void serialsArePositiveAndUniqueOverTenThousandCertificates() {
        Set<Long> serials = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            IssuedCertificate issued = ca.issue(request(List.of("aiops")));
            assertThat(issued.serial()).isPositive();
            assertThat(cert(issued).getSerial()).isEqualTo(issued.serial());
            serials.add(issued.serial());
        }
        assertThat(serials).hasSize(10_000);
    }

    @Test
    void keyIdIsSignedAsRequested() {
        CertificateRequest request = new CertificateRequest(USER_KEY.getPublic(), List.of("aiops"),
                "alice/9f1c2e/grant-42", Duration.ofMinutes(1), Optional.empty(), List.of(), Set.of());
        IssuedCertificate issued = ca.issue(request);
        assertThat(issued.keyId()).isEqualTo("alice/9f1c2e/grant-42");
        assertThat(cert(issued).getId()).isEqualTo("alice/9f1c2e/grant-42");
    }

    @DisplayName("Threat: a key id with line breaks or control characters forges entries in sshd's log")
    @ParameterizedTest
    @ValueSource(strings = {"", "alice\nroot logged in", "a\u0000b", "caf\u00e9", "a\tb"})
    void badKeyIdsAreRefused(String keyId) {
        assertThatThrownBy(() -> ca.issue(new CertificateRequest(USER_KEY.getPublic(), List.of("aiops"), keyId,
                Duration.ofMinutes(1), Optional.empty(), List.of(), Set.of())))
                .isInstanceOf(CertificateRefusedException.class)
                .hasMessageContaining("key id")
                .satisfies(e -> assertThat(e.getMessage()).matches("\\p{Print}+"));
    }

    @Test
    void keyIdLongerThan256IsRefused() {
        assertThat(ca.issue(new CertificateRequest(USER_KEY.getPublic(), List.of("aiops"), "k".repeat(256),
                Duration.ofMinutes(1), Optional.empty(), List.of(), Set.of())).keyId()).hasSize(256);
        assertThatThrownBy(() -> ca.issue(new CertificateRequest(USER_KEY.getPublic(), List.of("aiops"),
                "k".repeat(257), Duration.ofMinutes(1), Optional.empty(), List.of(), Set.of())))
                .isInstanceOf(CertificateRefusedException.class);
    }

    @Test
    void certificateIsAUserCertificateSignedByTheCa() throws Exception {
        OpenSshCertificate cert = cert(ca.issue(request(List.of("aiops"))));
        assertThat(cert.getType()).isEqualTo(OpenSshCertificate.Type.USER);
        assertThat(cert.getCaPubKey()).isEqualTo(CA_KEY.getPublic());
        assertThat(cert.getCertPubKey()).isEqualTo(USER_KEY.getPublic());
        assertThat(SshKeys.toLine(cert)).startsWith("ssh-ed25519-cert-v01@openssh.com AAAA");
    }

    @DisplayName("Threat: the CA certifies its own key or a certificate, handing out CA power")
    @Test
    void caKeyAndCertificatesAreNotCertifiable() {
        assertThatThrownBy(() -> ca.issue(new CertificateRequest(CA_KEY.getPublic(), List.of("aiops"), "k",
                Duration.ofMinutes(1), Optional.empty(), List.of(), Set.of())))
                .isInstanceOf(CertificateRefusedException.class);
        IssuedCertificate issued = ca.issue(request(List.of("aiops")));
        assertThatThrownBy(() -> ca.issue(new CertificateRequest(issued.certificate(), List.of("aiops"), "k",
                Duration.ofMinutes(1), Optional.empty(), List.of(), Set.of())))
                .isInstanceOf(CertificateRefusedException.class);
    }

    @Test
    void publicKeyLineIsTrustedUserCaKeysForm() {
        assertThat(ca.publicKeyLine()).matches("ssh-ed25519 AAAA[A-Za-z0-9+/=]+ gatehouse-user-ca");
        assertThat(SshKeys.parse(ca.publicKeyLine())).isEqualTo(CA_KEY.getPublic());
        assertThat(ca.publicKey()).isEqualTo(CA_KEY.getPublic());
    }

    @Test
    void mismatchedCaKeyPairIsRejectedAtConstruction() {
        KeyPair other = SshKeys.generateEd25519();
        assertThatThrownBy(() -> CertificateAuthority.openSsh(
                new KeyPair(CA_KEY.getPublic(), other.getPrivate()), Set.of(), CLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match");
    }
}
