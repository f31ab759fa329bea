package dev.gatehouse.pki;

import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a certificate should say. The CA checks every field; it never trusts the caller.
 *
 * @param subjectKey the (ephemeral) public key to certify
 * @param principals logins the certificate is valid for; never empty, never a forbidden login
 * @param keyId traces the certificate to user, session and grant (sshd logs it)
 * @param ttl lifetime from now; the CA caps it (see {@link CertificateAuthority})
 * @param notAfter optional hard end (a grant's end); the certificate never outlives it
 * @param sourceAddresses CIDRs for the {@code source-address} critical option; empty means none
 * @param extensions {@code permit-*} extensions the session needs, e.g. {@code permit-pty}
 */
public record CertificateRequest(
        PublicKey subjectKey,
        List<String> principals,
        String keyId,
        Duration ttl,
        Optional<Instant> notAfter,
        List<String> sourceAddresses,
        Set<String> extensions) {

    public CertificateRequest {
        principals = List.copyOf(principals);
        sourceAddresses = List.copyOf(sourceAddresses);
        extensions = Set.copyOf(extensions);
    }
}
