package dev.gatehouse.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A client certificate issued by the {@link TlsCertificateAuthority}.
 *
 * @param certificate the certificate
 * @param privateKey its key when the CA generated it, empty when the holder brought the public key
 * @param serialHex the serial number in lower-case hex, as audited ({@code cert_serial})
 * @param notAfter end of validity
 */
public record ClientCertificate(X509Certificate certificate, Optional<PrivateKey> privateKey, String serialHex, Instant notAfter) {
    public ClientCertificate {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(serialHex, "serialHex");
        Objects.requireNonNull(notAfter, "notAfter");
    }

    /** The certificate PEM, then the PKCS#8 key PEM when there is one: a file {@code curl --cert} takes. */
    public String pem() {
        return TlsPem.certificate(certificate) + privateKey.map(TlsPem::privateKey).orElse("");
    }

    @Override
    public String toString() {
        return "ClientCertificate[serial=" + serialHex + ", subject=" + certificate.getSubjectX500Principal().getName()
                + ", notAfter=" + notAfter + ", privateKey=" + (privateKey.isPresent() ? "***" : "none") + "]";
    }
}
