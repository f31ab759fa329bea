package dev.gatehouse.pki;

/** The CA refused to sign: forbidden or malformed principal, bad validity, unknown extension. */
public final class CertificateRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CertificateRefusedException(String message) {
        super(message);
    }
}
