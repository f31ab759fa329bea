package dev.gatehouse.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A TLS server's key and certificate chain.
 *
 * @param privateKey the leaf's private key
 * @param chain leaf first, then the issuers (for the gateway's own CA: [leaf, CA])
 */
public record TlsServerCredentials(PrivateKey privateKey, List<X509Certificate> chain) {
    public TlsServerCredentials {
        Objects.requireNonNull(privateKey, "privateKey");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a server certificate chain needs at least its leaf");
        }
    }

    /** The leaf certificate. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The leaf's notAfter. */
    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }
}
