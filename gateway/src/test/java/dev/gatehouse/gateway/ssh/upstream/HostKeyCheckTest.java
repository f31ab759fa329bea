package dev.gatehouse.gateway.ssh.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.testing.PkiFixtures;
import dev.gatehouse.policy.Node;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostKeyCheckTest {
    private final KeyPair hostKey = PkiFixtures.ed25519();
    private final KeyPair hostCa = PkiFixtures.ed25519();

    private Node pinned(KeyPair key) {
        return new Node("gpu-node-1", "127.0.0.1", 22, Optional.of(SshKeys.toLine(key.getPublic())), Optional.empty(), Map.of());
    }

    private Node withHostCa(KeyPair ca) {
        return new Node("gpu-node-1", "127.0.0.1", 22, Optional.empty(), Optional.of(SshKeys.toLine(ca.getPublic())), Map.of());
    }

    @Test
    void thePinnedKeyIsAccepted() {
        assertThat(new HostKeyCheck(pinned(hostKey)).verify(hostKey.getPublic())).isTrue();
    }

    @Test
    void anyOtherKeyIsRefusedWithBothFingerprints() {
        // Threat: a man in the middle presents its own host key and reads everything the gateway sends.
        KeyPair impostor = PkiFixtures.ed25519();
        HostKeyCheck check = new HostKeyCheck(pinned(hostKey));
        assertThat(check.verify(impostor.getPublic())).isFalse();
        assertThat(check.failure()).contains("does not match the pinned key")
                .contains(SshKeys.fingerprint(impostor.getPublic()))
                .contains(SshKeys.fingerprint(hostKey.getPublic()));
    }

    @Test
    void aHostCertificateFromTheNodesHostCaIsAccepted() {
        var cert = PkiFixtures.hostCertificate(hostCa, hostKey.getPublic(), Clock.systemUTC(), Duration.ofHours(1), "127.0.0.1");
        assertThat(new HostKeyCheck(withHostCa(hostCa)).verify(cert)).isTrue();
    }

    @Test
    void aHostCertificateFromAnotherCaIsRefused() {
        // Threat: an attacker with their own CA mints a host certificate for the node's name.
        KeyPair otherCa = PkiFixtures.ed25519();
        var cert = PkiFixtures.hostCertificate(otherCa, hostKey.getPublic(), Clock.systemUTC(), Duration.ofHours(1), "127.0.0.1");
        HostKeyCheck check = new HostKeyCheck(withHostCa(hostCa));
        assertThat(check.verify(cert)).isFalse();
        assertThat(check.failure()).contains("host certificate signed by its host CA");
    }

    @Test
    void aPlainKeyIsRefusedWhenAHostCaIsConfigured() {
        // Threat: falling back to trusting whatever raw key is offered would be trust on first use.
        assertThat(new HostKeyCheck(withHostCa(hostCa)).verify(hostKey.getPublic())).isFalse();
    }

    @Test
    void aUserCertificateSignedByTheHostCaIsNotAHostCertificate() {
        // Threat: a user certificate from the same CA passed off as a host certificate.
        var cert = PkiFixtures.validUserCertificate(hostCa, hostKey.getPublic(), Clock.systemUTC(), "127.0.0.1");
        assertThat(new HostKeyCheck(withHostCa(hostCa)).verify(cert)).isFalse();
    }
}
