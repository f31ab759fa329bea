package dev.gatehouse.gateway.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;

/**
 * The {@code Gatehouse-Jwt-Assertion} values apps receive: compact JWS, ES256 (RFC 7518 section
 * 3.4), claims {@code iss} (the console origin), {@code sub} (user), {@code aud} (the app host
 * name), {@code iat}, {@code exp} = iat + 5 min, {@code jti}; header {@code kid} names the key in
 * {@link #jwks()} (RFC 7517). An assertion is reused for a user and app host while it has more than
 * half of its life left, so a busy page costs one signature per 2.5 minutes, not one per request.
 *
 * <p>The {@code kid} is the key's RFC 7638 thumbprint, so gateways sharing the key publish the
 * same JWKS.
 */
public final class Assertions {
    /** Lifetime of one assertion. */
    static final Duration LIFETIME = Duration.ofMinutes(5);

    private final ECKey key;
    private final ECDSASigner signer;
    private final Clock clock;
    private final WebSite site;
    private final Cache<String, String> recent;

    /**
     * @param keyPair an EC P-256 key pair (the gateway's {@code web-assertion} key)
     * @throws IllegalArgumentException when it is not P-256
     */
    public Assertions(WebSite site, KeyPair keyPair, Clock clock) {
        this.site = site;
        this.clock = clock;
        try {
            this.key = new ECKey.Builder(Curve.P_256, (ECPublicKey) keyPair.getPublic())
                    .privateKey((ECPrivateKey) keyPair.getPrivate())
                    .keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).keyIDFromThumbprint().build();
            this.signer = new ECDSASigner(key);
        } catch (JOSEException | ClassCastException | IllegalStateException e) {
            throw new IllegalArgumentException("the assertion key must be an EC P-256 key pair", e);
        }
        this.recent = Caffeine.newBuilder()
                .ticker(() -> {
                    Instant now = clock.instant();
                    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
                })
                .expireAfterWrite(LIFETIME.dividedBy(2))
                .maximumSize(10_000)
                .build();
    }

    /** The assertion for {@code user} at app host {@code audience}: fresh, or one with most of its life left. */
    public String assertion(String user, String audience) {
        return recent.get(user + "\n" + audience, k -> sign(user, audience));
    }

    private String sign(String user, String audience) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(site.consoleOrigin())
                .subject(user)
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(LIFETIME)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign an assertion", e);
        }
        return jwt.serialize();
    }

    /** The public keys as a JWK Set document (RFC 7517 section 5), served at {@code /.well-known/jwks.json}. */
    public String jwks() {
        return new JWKSet(key.toPublicJWK()).toString(true);
    }
}
