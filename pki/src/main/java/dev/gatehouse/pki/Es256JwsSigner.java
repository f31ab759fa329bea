package dev.gatehouse.pki;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import java.security.KeyPair;
import java.security.SignatureException;
import java.security.interfaces.ECPrivateKey;
import java.util.Objects;

/** ES256 compact JWS with Nimbus: signs with the private key, verifies with {@link Es256JwsVerifier}. */
final class Es256JwsSigner implements JwsSigner {
    private final ECDSASigner signer;
    private final Es256JwsVerifier verifier;

    Es256JwsSigner(KeyPair keyPair) {
        Objects.requireNonNull(keyPair, "keyPair");
        this.verifier = new Es256JwsVerifier(keyPair.getPublic());
        if (!(keyPair.getPrivate() instanceof ECPrivateKey priv)) {
            throw new IllegalArgumentException("ES256 needs an EC key pair, got " + keyPair.getPrivate().getAlgorithm());
        }
        try {
            this.signer = new ECDSASigner(priv);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot use this EC key for ES256: " + e.getMessage(), e);
        }
    }

    @Override
    public String sign(byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        JWSObject jws = new JWSObject(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(verifier.keyId()).build(), new Payload(payload.clone()));
        try {
            jws.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("ES256 signing failed: " + e.getMessage(), e);
        }
        return jws.serialize();
    }

    @Override
    public byte[] verify(String jws) throws SignatureException {
        return verifier.verify(jws);
    }

    @Override
    public String publicJwk() {
        return verifier.publicJwk();
    }
}
