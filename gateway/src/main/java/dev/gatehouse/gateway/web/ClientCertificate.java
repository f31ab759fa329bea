package dev.gatehouse.gateway.web;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;

/**
 * What an {@code app-cert} client certificate says, once the TLS handshake has verified it against
 * the gateway's TLS CA: who it was issued to and for which app host.
 *
 * @param user the policy user it names
 * @param appLabel {@code APP--NODE}: the one app host it is good for (URI SAN {@code urn:gatehouse:app:APP--NODE})
 * @param serial its serial number (decimal), which keys its app session
 * @param notAfter its expiry
 * @param keyFingerprint the {@code SHA256:} fingerprint of the SSH key the user proved themselves
 *     with when it was issued, so the per-request identity check is the SSH path's own
 */
public record ClientCertificate(String user, String appLabel, String serial, Instant notAfter, String keyFingerprint) {

    /** Reads {@link ClientCertificate}s out of verified peer certificates. */
    @FunctionalInterface
    public interface Reader {
        /** The claims of {@code leaf}, or empty when it is no gateway-issued app certificate. */
        Optional<ClientCertificate> read(X509Certificate leaf);

        /** A reader for listeners that accept no client certificates. */
        static Reader none() {
            return leaf -> Optional.empty();
        }
    }
}
