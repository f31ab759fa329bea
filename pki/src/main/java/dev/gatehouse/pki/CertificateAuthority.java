package dev.gatehouse.pki;

import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * Signs short-lived OpenSSH user certificates.
 *
 * <p>The CA is the last line of defence: it refuses any principal that is {@code root}, one of
 * the configured forbidden logins, or malformed (empty, containing {@code ,} whitespace {@code *}
 * {@code ?} {@code !} or control characters, or not a POSIX user name), whatever the caller
 * decided. Validity starts at most 60 s in the past and never exceeds {@link #MAX_TTL} nor the
 * request's {@code notAfter}. Serials are unique positive longs.
 */
public interface CertificateAuthority {

    /** Upper bound on any certificate's lifetime, whatever the configuration says. */
    Duration MAX_TTL = Duration.ofHours(24);

    PublicKey publicKey();

    /** One line for a node's {@code TrustedUserCAKeys}: {@code ssh-ed25519 AAAA... comment}. */
    String publicKeyLine();

    /** @throws CertificateRefusedException when the request breaks a rule; nothing is signed */
    IssuedCertificate issue(CertificateRequest request);

    /**
     * An OpenSSH user CA.
     *
     * @param caKey the CA key pair (Ed25519)
     * @param forbiddenLogins logins refused in addition to {@code root}, which is always refused
     * @param clock time source for validity
     */
    static CertificateAuthority openSsh(KeyPair caKey, Set<String> forbiddenLogins, Clock clock) {
        return new OpenSshCertificateAuthority(caKey, forbiddenLogins, clock);
    }
}
