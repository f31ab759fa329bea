package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import dev.gatehouse.pki.testing.TestClock;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AssertionSignerTest {
    static final String ISS = "https://localhost:8443";
    static final String AUD = "jupyter--gpu-1.apps.localhost";

    final TestClock clock = new TestClock();
    final KeyPair key = p256();
    final AssertionSigner signer = new AssertionSigner(key, ISS, clock);

    static KeyPair p256() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Verifies as an app would: key from the published JWKS by kid, ES256 pinned, claims checked at the test clock's time. */
    JWTClaimsSet verifyAsApp(String token, String expectedAudience) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        JWK jwk = JWKSet.parse(signer.jwksJson()).getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(jwk).as("kid %s in the JWKS", jwt.getHeader().getKeyID()).isNotNull();
        assertThat(jwt.verify(new ECDSAVerifier((ECKey) jwk))).isTrue();
        DefaultJWTClaimsVerifier<com.nimbusds.jose.proc.SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                expectedAudience, new JWTClaimsSet.Builder().issuer(ISS).build(), Set.of("sub", "iat", "exp", "jti")) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew(0);
        claims.verify(jwt.getJWTClaimsSet(), null);
        return jwt.getJWTClaimsSet();
    }

    @Test
    void anAppVerifiesTheAssertionWithThePublishedKeysAndReadsTheUser() throws Exception {
        JWTClaimsSet claims = verifyAsApp(signer.assertion("alice", AUD), AUD);
        assertThat(claims.getSubject()).isEqualTo("alice");
        assertThat(claims.getAudience()).containsExactly(AUD);
        assertThat(claims.getIssuer()).isEqualTo(ISS);
        assertThat(claims.getIssueTime().toInstant()).isEqualTo(clock.instant());
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
        assertThat(claims.getJWTID()).isNotBlank();
        assertThat(SignedJWT.parse(signer.assertion("alice", AUD)).getHeader().getKeyID()).isEqualTo(signer.keyId())
                .isEqualTo(new ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256, (java.security.interfaces.ECPublicKey) key.getPublic())
                        .build().computeThumbprint().toString());
    }

    @DisplayName("Threat: the JWKS endpoint leaks the private key, letting anyone mint identities for apps")
    @Test
    void theJwksHoldsOnlyThePublicKey() throws Exception {
        Map<String, Object> json = com.nimbusds.jose.util.JSONObjectUtils.parse(signer.jwksJson());
        assertThat(signer.jwksJson()).doesNotContain("\"d\"");
        JWKSet set = JWKSet.parse(json);
        assertThat(set.getKeys()).hasSize(1);
        assertThat(set.getKeys().get(0).isPrivate()).isFalse();
        assertThat(set.getKeys().get(0).getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
    }

    @DisplayName("Threat: an assertion captured by one app is replayed to another app as the same user")
    @Test
    void anAssertionForOneAppIsRefusedByAnother() throws Exception {
        String forJupyter = signer.assertion("alice", AUD);
        assertThatThrownBy(() -> verifyAsApp(forJupyter, "grafana--gpu-1.apps.localhost"))
                .isInstanceOf(BadJWTException.class).hasMessageContaining("aud claim rejected");
        assertThat(signer.assertion("alice", "grafana--gpu-1.apps.localhost")).isNotEqualTo(forJupyter);
    }

    @DisplayName("Threat: a leaked assertion keeps working for long after it was issued")
    @Test
    void anAssertionExpiresAfterFiveMinutes() throws Exception {
        String token = signer.assertion("alice", AUD);
        clock.advance(Duration.ofMinutes(5).plusSeconds(1));
        assertThatThrownBy(() -> verifyAsApp(token, AUD)).isInstanceOf(BadJWTException.class).hasMessageContaining("Expired");
    }

    @Test
    void aTokenIsReusedWhileItHasHalfItsLifeLeftThenRenewed() throws Exception {
        String first = signer.assertion("alice", AUD);
        clock.advance(Duration.ofMinutes(2).plusSeconds(29));
        assertThat(signer.assertion("alice", AUD)).isEqualTo(first);
        assertThat(signer.assertion("bob", AUD)).isNotEqualTo(first);
        clock.advance(Duration.ofSeconds(2));
        String second = signer.assertion("alice", AUD);
        assertThat(second).isNotEqualTo(first);
        JWTClaimsSet renewed = verifyAsApp(second, AUD);
        assertThat(renewed.getExpirationTime().toInstant()).isAfter(clock.instant().plus(Duration.ofMinutes(4)));
    }

    @Test
    void aSignerWithAnotherKeyIsNotTrustedByThisJwks() throws Exception {
        String forged = new AssertionSigner(p256(), ISS, clock).assertion("alice", AUD);
        assertThat(JWKSet.parse(signer.jwksJson()).getKeyByKeyId(SignedJWT.parse(forged).getHeader().getKeyID())).isNull();
    }

    @Test
    void lifetimesBeyondFiveMinutesAndNonP256KeysAreRefused() throws Exception {
        assertThatThrownBy(() -> new AssertionSigner(key, ISS, Duration.ofMinutes(6), clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 5 minutes");
        assertThatThrownBy(() -> new AssertionSigner(key, ISS, Duration.ZERO, clock)).isInstanceOf(IllegalArgumentException.class);
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        assertThatThrownBy(() -> new AssertionSigner(rsa.generateKeyPair(), ISS, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("EC P-256");
    }

    @Test
    void aShortLifetimeIsHonoured() throws Exception {
        AssertionSigner shortLived = new AssertionSigner(key, ISS, Duration.ofMinutes(1), clock);
        SignedJWT jwt = SignedJWT.parse(shortLived.assertion("alice", AUD));
        assertThat(Duration.between(jwt.getJWTClaimsSet().getIssueTime().toInstant(),
                jwt.getJWTClaimsSet().getExpirationTime().toInstant())).isEqualTo(Duration.ofMinutes(1));
    }
}
