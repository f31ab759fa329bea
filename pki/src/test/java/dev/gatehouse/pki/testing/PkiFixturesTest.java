package dev.gatehouse.pki.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.Test;

class PkiFixturesTest {
    final Clock clock = Clock.fixed(Instant.parse("2026-06-01T12:00:00Z"), ZoneOffset.UTC);
    final PkiFixtures.TestCa ca = PkiFixtures.userCa(clock);
    final KeyPair user = PkiFixtures.ed25519();

    @Test
    void fixturesMakeWhatTheRealCaRefuses() {
        OpenSshCertificate root = PkiFixtures.validUserCertificate(ca.key(), user.getPublic(), clock, "root");
        assertThat(root.getPrincipals()).containsExactly("root");
        assertThat(OpenSshCertificate.isValidAt(root, clock.instant())).isTrue();

        OpenSshCertificate expired = PkiFixtures.expiredUserCertificate(ca.key(), user.getPublic(), clock, "aiops");
        assertThat(OpenSshCertificate.isValidAt(expired, clock.instant())).isFalse();

        OpenSshCertificate early = PkiFixtures.notYetValidUserCertificate(ca.key(), user.getPublic(), clock, "aiops");
        assertThat(OpenSshCertificate.isValidAt(early, clock.instant())).isFalse();
    }

    @Test
    void hostCertificateIsAHostCertificateForTheNames() {
        OpenSshCertificate host = PkiFixtures.hostCertificate(ca.key(), PkiFixtures.ed25519().getPublic(), clock,
                Duration.ofHours(1), "gpu-node-1", "10.0.0.11");
        assertThat(host.getType()).isEqualTo(OpenSshCertificate.Type.HOST);
        assertThat(host.getPrincipals()).containsExactly("gpu-node-1", "10.0.0.11");
        assertThat(ca.trustedLine()).endsWith(" gatehouse-user-ca");
    }
}
