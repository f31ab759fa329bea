package dev.gatehouse.pki;

import java.security.KeyPair;

/** Signs and verifies compact JWS (ES256) over arbitrary payloads: checkpoints, approvals. */
public interface JwsSigner extends JwsVerifier {

    /** Compact JWS over {@code payload}. */
    String sign(byte[] payload);

    /** ES256 signer over an EC P-256 key pair. */
    static JwsSigner es256(KeyPair keyPair) {
        return new Es256JwsSigner(keyPair);
    }
}
