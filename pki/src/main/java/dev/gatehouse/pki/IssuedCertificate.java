package dev.gatehouse.pki;

import java.security.PublicKey;
import java.time.Instant;
import java.util.List;

/**
 * A signed OpenSSH user certificate and the facts the audit log records about it.
 *
 * @param certificate the certificate (an {@code org.apache.sshd.common.config.keys.OpenSshCertificate})
 * @param serial unique serial
 * @param keyId key id as signed
 * @param principals principals as signed
 * @param validAfter start of validity
 * @param validBefore end of validity
 */
public record IssuedCertificate(
        PublicKey certificate,
        long serial,
        String keyId,
        List<String> principals,
        Instant validAfter,
        Instant validBefore) {

    /** The certificate in {@code -cert.pub} form: {@code ssh-ed25519-cert-v01@openssh.com AAAA...}. */
    public String publicLine() {
        return SshKeys.toLine(certificate);
    }
}
