package dev.gatehouse.pki.testing;

import dev.gatehouse.pki.CertificateAuthority;
import dev.gatehouse.pki.SshKeys;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.OpenSshCertificate;

/**
 * Certificates for other modules' tests, including the ones the real CA refuses to make
 * (expired, not yet valid, root principal, foreign CA), so gateway tests can check that such
 * certificates are rejected on the way in. Published as the pki test-jar:
 * {@code <artifactId>gatehouse-pki</artifactId><type>test-jar</type><scope>test</scope>}.
 *
 * <p>Never use outside tests: {@link #rawUserCertificate} signs whatever it is given.
 */
public final class PkiFixtures {
    private PkiFixtures() {}

    /**
     * The real TLS CA with its key and certificate in {@code dir} (created there), for tests of
     * the HTTPS path: server contexts, {@code app-cert} certificates, a second CA as a foreign one.
     */
    public static dev.gatehouse.pki.TlsCertificateAuthority tlsCa(java.nio.file.Path dir, Clock clock) {
        try {
            return dev.gatehouse.pki.TlsCertificateAuthority.open(
                    dev.gatehouse.pki.KeyStorage.software(dir, java.util.Optional.empty()),
                    dir.resolve(dev.gatehouse.pki.TlsCertificateAuthority.CERTIFICATE_FILE), "test", clock);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A CA key and the real CA over it. */
    public record TestCa(KeyPair key, CertificateAuthority ca) {
        /** The {@code TrustedUserCAKeys} line. */
        public String trustedLine() {
            return ca.publicKeyLine();
        }
    }

    public static KeyPair ed25519() {
        return SshKeys.generateEd25519();
    }

    /** A fresh user CA with the real rules; {@code forbidden} adds to root. */
    public static TestCa userCa(Clock clock, String... forbidden) {
        KeyPair key = ed25519();
        return new TestCa(key, CertificateAuthority.openSsh(key, Set.of(forbidden), clock));
    }

    /** Signs exactly what is asked, with none of the CA's checks. */
    public static OpenSshCertificate rawUserCertificate(KeyPair caKey, PublicKey subject, Instant validAfter,
            Instant validBefore, Map<String, String> criticalOptions, Set<String> extensions, String... principals) {
        OpenSshCertificateBuilder builder = OpenSshCertificateBuilder.userCertificate()
                .publicKey(subject)
                .serial(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE))
                .id("fixture")
                .principals(List.of(principals))
                .criticalOptions(criticalOptions)
                .validAfter(validAfter)
                .validBefore(validBefore);
        extensions.forEach(name -> builder.extension(name, ""));
        return sign(builder, caKey);
    }

    /** Valid for {@code principals} now, per {@code clock}, for one minute. */
    public static OpenSshCertificate validUserCertificate(KeyPair caKey, PublicKey subject, Clock clock,
            String... principals) {
        Instant now = clock.instant();
        return rawUserCertificate(caKey, subject, now.minusSeconds(60), now.plusSeconds(60), Map.of(), Set.of(),
                principals);
    }

    /** Ended one second before {@code clock}'s now. */
    public static OpenSshCertificate expiredUserCertificate(KeyPair caKey, PublicKey subject, Clock clock,
            String... principals) {
        Instant now = clock.instant();
        return rawUserCertificate(caKey, subject, now.minus(Duration.ofMinutes(10)), now.minusSeconds(1), Map.of(),
                Set.of(), principals);
    }

    /** Starts one minute after {@code clock}'s now. */
    public static OpenSshCertificate notYetValidUserCertificate(KeyPair caKey, PublicKey subject, Clock clock,
            String... principals) {
        Instant now = clock.instant();
        return rawUserCertificate(caKey, subject, now.plusSeconds(60), now.plusSeconds(600), Map.of(), Set.of(),
                principals);
    }

    /** A host certificate for {@code names} (host names and IPs), valid around {@code clock}'s now. */
    public static OpenSshCertificate hostCertificate(KeyPair caKey, PublicKey hostKey, Clock clock, Duration ttl,
            String... names) {
        Instant now = clock.instant();
        return sign(OpenSshCertificateBuilder.hostCertificate()
                .publicKey(hostKey)
                .serial(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE))
                .id("fixture-host")
                .principals(List.of(names))
                .validAfter(now.minusSeconds(60))
                .validBefore(now.plus(ttl)), caKey);
    }

    private static OpenSshCertificate sign(OpenSshCertificateBuilder builder, KeyPair caKey) {
        try {
            return builder.sign(caKey);
        } catch (Exception e) {
            throw new IllegalStateException("fixture signing failed: " + e.getMessage(), e);
        }
    }
}
