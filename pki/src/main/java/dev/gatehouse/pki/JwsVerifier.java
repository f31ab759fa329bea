package dev.gatehouse.pki;

import java.security.PublicKey;
import java.security.SignatureException;

/**
 * Verifies compact JWS (ES256) with a public key alone: what an auditor's host needs to check
 * checkpoints and signed decisions, without the private key that signs them.
 */
public interface JwsVerifier {

    /**
     * Returns the payload of a JWS this key signed.
     *
     * @throws SignatureException when the signature does not verify or the JWS is malformed
     */
    byte[] verify(String jws) throws SignatureException;

    /** The public key as a JWK JSON object, for external verifiers. */
    String publicJwk();

    /**
     * The public key's JWK thumbprint (RFC 7638, SHA-256, base64url): a short, stable name for the
     * key that an auditor can compare with a copy kept elsewhere.
     */
    default String thumbprint() {
        try {
            return com.nimbusds.jose.jwk.JWK.parse(publicJwk()).computeThumbprint().toString();
        } catch (java.text.ParseException | com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException("the public JWK cannot be read back: " + e.getMessage(), e);
        }
    }

    /**
     * ES256 verifier over an EC P-256 public key.
     *
     * @throws IllegalArgumentException when the key is not an EC P-256 key
     */
    static JwsVerifier es256(PublicKey publicKey) {
        return new Es256JwsVerifier(publicKey);
    }
}
