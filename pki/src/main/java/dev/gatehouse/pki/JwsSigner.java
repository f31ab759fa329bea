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

    /** ES256 signer over an EC P-256 key pair. */
    static JwsSigner es256(KeyPair keyPair) {
        return new Es256JwsSigner(keyPair);
    }
}
