package dev.gatehouse.pki;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.util.Objects;

/**
 * ES256 compact JWS verification with Nimbus. It pins the algorithm to ES256 before looking at the
 * signature, so {@code alg: none} and HMAC-with-the-public-key confusion cannot get through.
 */
final class Es256JwsVerifier implements JwsVerifier {
    private final ECDSAVerifier verifier;
    private final String keyId;
    private final String publicJwk;

    Es256JwsVerifier(PublicKey publicKey) {
        Objects.requireNonNull(publicKey, "publicKey");
        if (!(publicKey instanceof ECPublicKey pub)) {
            throw new IllegalArgumentException("ES256 needs an EC key, got " + publicKey.getAlgorithm());
        }
        if (!Curve.P_256.equals(Curve.forECParameterSpec(pub.getParams()))) {
            throw new IllegalArgumentException("ES256 needs a P-256 key; this EC key is on another curve");
        }
        try {
            ECKey jwk = new ECKey.Builder(Curve.P_256, pub)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint()
                    .build();
            this.keyId = jwk.getKeyID();
            this.publicJwk = jwk.toPublicJWK().toJSONString();
            this.verifier = new ECDSAVerifier(pub);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot use this EC key for ES256: " + e.getMessage(), e);
        }
    }

    /** The key id put in JWS headers: the key's RFC 7638 thumbprint. */
    String keyId() {
        return keyId;
    }

    @Override
    public byte[] verify(String jws) throws SignatureException {
        if (jws == null || jws.isBlank()) {
            throw new SignatureException("not a JWS: empty input");
        }
        JWSObject parsed;
        try {
            parsed = JWSObject.parse(jws.strip());
        } catch (ParseException e) {
            throw new SignatureException("not a compact JWS: " + e.getMessage(), e);
        }
        JWSHeader header = parsed.getHeader();
        if (!JWSAlgorithm.ES256.equals(header.getAlgorithm())) {
            throw new SignatureException("JWS algorithm " + header.getAlgorithm() + " refused; only ES256 is accepted");
        }
        if (header.getKeyID() != null && !keyId.equals(header.getKeyID())) {
            throw new SignatureException("JWS was signed by another key (kid " + SshKeyCodec.quote(header.getKeyID(), 64)
                    + ", expected " + keyId + ")");
        }
        try {
            if (!parsed.verify(verifier)) {
                throw new SignatureException("JWS signature does not verify (payload or signature altered, or another key)");
            }
        } catch (JOSEException e) {
            throw new SignatureException("JWS cannot be verified: " + e.getMessage(), e);
        }
        return parsed.getPayload().toBytes();
    }

    @Override
    public String publicJwk() {
        return publicJwk;
    }
}
