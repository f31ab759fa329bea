package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SignatureException;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class Es256JwsSignerTest {
    static final byte[] PAYLOAD = "{\"chain\":\"gw-1\",\"seq\":42,\"head\":\"ab12\"}".getBytes(StandardCharsets.UTF_8);

    final KeyPair keyPair = ec("secp256r1");
    final JwsSigner signer = JwsSigner.es256(keyPair);

    static KeyPair ec(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Test
    void signedPayloadVerifiesAndRoundTrips() throws SignatureException {
        String jws = signer.sign(PAYLOAD);
        assertThat(jws.split("\\.")).hasSize(3);
        assertThat(signer.verify(jws)).isEqualTo(PAYLOAD);
        assertThat(JwsSigner.es256(keyPair).verify(jws)).isEqualTo(PAYLOAD);
    }

    /** An auditor's host verifies with the public key alone, and trusts the same key (same thumbprint). */
    @Test
    void theVerifierOfThePublicKeyAloneVerifiesWhatTheSignerSigned() throws SignatureException {
        JwsVerifier verifier = JwsVerifier.es256(keyPair.getPublic());
        assertThat(verifier.verify(signer.sign(PAYLOAD))).isEqualTo(PAYLOAD);
        assertThat(verifier.thumbprint()).isEqualTo(signer.thumbprint());
        assertThatThrownBy(() -> verifier.verify(JwsSigner.es256(ec("secp256r1")).sign(PAYLOAD)))
                .isInstanceOf(SignatureException.class);
    }

    @Test
    void emptyPayloadRoundTrips() throws SignatureException {
        assertThat(signer.verify(signer.sign(new byte[0]))).isEmpty();
    }

    @DisplayName("Threat: a checkpoint's content is altered after signing")
    @Test
    void tamperedPayloadIsRejected() {
        String[] parts = signer.sign(PAYLOAD).split("\\.");
        String forged = parts[0] + "." + b64("{\"chain\":\"gw-1\",\"seq\":41,\"head\":\"ab12\"}".getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        assertThatThrownBy(() -> signer.verify(forged)).isInstanceOf(SignatureException.class);
    }

    @DisplayName("Threat: a forged or corrupted signature is accepted")
    @Test
    void tamperedSignatureIsRejected() {
        String jws = signer.sign(PAYLOAD);
        String[] parts = jws.split("\\.");
        byte[] signature = Base64.getUrlDecoder().decode(parts[2]);
        signature[10] ^= 0x01;
        assertThatThrownBy(() -> signer.verify(parts[0] + "." + parts[1] + "." + b64(signature)))
                .isInstanceOf(SignatureException.class);
        assertThatThrownBy(() -> signer.verify(parts[0] + "." + parts[1] + "."))
                .isInstanceOf(SignatureException.class);
    }

    @DisplayName("Threat: an unsigned JWS with alg none is accepted as valid")
    @Test
    void algNoneIsRejected() {
        String header = b64("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        String unsigned = header + "." + b64(PAYLOAD) + ".";
        assertThatThrownBy(() -> signer.verify(unsigned)).isInstanceOf(SignatureException.class);
        String withFakeSignature = header + "." + b64(PAYLOAD) + "." + signer.sign(PAYLOAD).split("\\.")[2];
        assertThatThrownBy(() -> signer.verify(withFakeSignature)).isInstanceOf(SignatureException.class);
    }

    @DisplayName("Threat: HS256 keyed with the public key (algorithm confusion) passes verification")
    @Test
    void hmacSignedWithThePublicKeyIsRejected() throws Exception {
        JWSObject hs = new JWSObject(new JWSHeader(JWSAlgorithm.HS256), new Payload(PAYLOAD));
        hs.sign(new MACSigner(keyPair.getPublic().getEncoded()));
        assertThatThrownBy(() -> signer.verify(hs.serialize()))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("only ES256");
    }

    @DisplayName("Threat: a checkpoint signed by someone else's key is accepted")
    @Test
    void jwsFromAnotherKeyIsRejected() throws Exception {
        JwsSigner other = JwsSigner.es256(ec("secp256r1"));
        assertThatThrownBy(() -> signer.verify(other.sign(PAYLOAD))).isInstanceOf(SignatureException.class);

        // Same, without a kid to short-cut on: the signature check itself must fail.
        JWSObject noKid = new JWSObject(new JWSHeader(JWSAlgorithm.ES256), new Payload(PAYLOAD));
        noKid.sign(new com.nimbusds.jose.crypto.ECDSASigner((java.security.interfaces.ECPrivateKey) ec("secp256r1").getPrivate()));
        assertThatThrownBy(() -> signer.verify(noKid.serialize())).isInstanceOf(SignatureException.class);
    }

    @Test
    void malformedInputIsASignatureException() {
        for (String bad : new String[] {"", "abc", "a.b", "a.b.c.d.e.f", "!!!.!!!.!!!"}) {
            assertThatThrownBy(() -> signer.verify(bad)).as(bad).isInstanceOf(SignatureException.class);
        }
    }

    @Test
    void publicJwkDescribesTheKeyWithoutThePrivatePart() throws Exception {
        String jwk = signer.publicJwk();
        assertThat(jwk).contains("\"kty\":\"EC\"", "\"crv\":\"P-256\"", "\"alg\":\"ES256\"", "\"kid\"")
                .doesNotContain("\"d\"");
        com.nimbusds.jose.jwk.ECKey parsed = com.nimbusds.jose.jwk.ECKey.parse(jwk);
        JWSObject jws = JWSObject.parse(signer.sign(PAYLOAD));
        assertThat(jws.verify(new com.nimbusds.jose.crypto.ECDSAVerifier(parsed))).isTrue();
        assertThat(jws.getHeader().getKeyID()).isEqualTo(parsed.getKeyID());
    }

    /** The thumbprint follows RFC 7638 section 3: SHA-256 over the required members, sorted, no whitespace. */
    @Test
    void thumbprintIsTheRfc7638HashOfTheRequiredMembers() throws Exception {
        com.nimbusds.jose.jwk.ECKey parsed = com.nimbusds.jose.jwk.ECKey.parse(signer.publicJwk());
        String members = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + parsed.getX() + "\",\"y\":\"" + parsed.getY()
                + "\"}";
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                .digest(members.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(signer.thumbprint()).isEqualTo(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest));
    }

    @Test
    void nonP256KeysAreRejected() {
        assertThatThrownBy(() -> JwsSigner.es256(ec("secp384r1"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JwsSigner.es256(SshKeys.generateEd25519())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keyFromStorageSignsAndVerifies(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        KeyStorage storage = KeyStorage.software(dir, java.util.Optional.empty());
        String jws = JwsSigner.es256(storage.loadOrGenerate("audit", KeyKind.EC_P256)).sign(PAYLOAD);
        assertThat(JwsSigner.es256(storage.load("audit", KeyKind.EC_P256).orElseThrow()).verify(jws)).isEqualTo(PAYLOAD);
    }
}
