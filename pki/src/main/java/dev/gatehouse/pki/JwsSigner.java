package dev.gatehouse.pki;

import java.security.KeyPair;
import java.security.SignatureException;

/** Signs and verifies compact JWS (ES256) over arbitrary payloads: checkpoints, approvals. */
public interface JwsSigner {

    /** Compact JWS over {@code payload}. */
    String sign(byte[] payload);

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

    /** ES256 signer over an EC P-256 key pair. */
    static JwsSigner es256(KeyPair keyPair) {
        return new Es256JwsSigner(keyPair);
    }
}
