package dev.gatehouse.gateway.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
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
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Signs the identity assertion the gateway sends to apps in {@value #HEADER}: a JWT (RFC 7519)
 * signed ES256 (RFC 7515, RFC 7518 3.4) with header {@code kid} the key's RFC 7638 thumbprint
 * and {@code typ: JWT}; claims {@code iss} the console origin ({@code https://HOST:PORT}),
 * {@code sub} the user, {@code aud} the app host name ({@code APP--NODE.apps.HOST}), {@code iat},
 * {@code exp} (at most {@link #MAX_LIFETIME} later) and a random {@code jti}. Apps verify it with
 * the key set of {@link #jwksJson()}, served at {@code /.well-known/jwks.json} (RFC 7517 5).
 *
 * <p>A token is reused for the same (user, audience) while it has at least half its life left,
 * so a busy app session signs a few times per lifetime instead of once per request.
 */
public final class AssertionSigner {
    /** The request header that carries the assertion upstream. */
    public static final String HEADER = "Gatehouse-Jwt-Assertion";
    /** Longest lifetime of an assertion, and the default. */
    public static final Duration MAX_LIFETIME = Duration.ofMinutes(5);
    /** Bound on cached tokens (one per active user and app). */
    static final long CACHE_SIZE = 10_000;

    private record Audience(String user, String audience) {}

    private final ECDSASigner signer;
    private final ECKey publicJwk;
    private final String issuer;
    private final Duration lifetime;
    private final Clock clock;
    private final Cache<Audience, SignedJWT> cache;

    /** An assertion signer with {@link #MAX_LIFETIME} whose cache runs on {@code clock}. */
    public AssertionSigner(KeyPair key, String issuer, Clock clock) {
        this(key, issuer, MAX_LIFETIME, clock);
    }

    /**
     * @param key the EC P-256 key pair ({@code web-assertion} in the keys folder)
     * @param issuer the {@code iss} claim: the console origin, {@code https://HOST:PORT}
     * @param lifetime each token's lifetime, positive and at most {@link #MAX_LIFETIME}
     * @param clock time for {@code iat}/{@code exp} and for the cache's expiry
     * @throws IllegalArgumentException when the key is not EC P-256 or the lifetime is out of range
     */
    public AssertionSigner(KeyPair key, String issuer, Duration lifetime, Clock clock) {
        Objects.requireNonNull(key, "key");
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (lifetime == null || lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(MAX_LIFETIME) > 0) {
            throw new IllegalArgumentException("assertion lifetime must be positive and at most " + MAX_LIFETIME.toMinutes()
                    + " minutes, got " + lifetime);
        }
        this.lifetime = lifetime;
        if (!(key.getPublic() instanceof ECPublicKey pub) || !(key.getPrivate() instanceof ECPrivateKey priv)
                || !Curve.P_256.equals(Curve.forECParameterSpec(pub.getParams()))) {
            throw new IllegalArgumentException("the assertion key must be an EC P-256 key pair (ES256), got "
                    + key.getPublic().getAlgorithm());
        }
        try {
            this.publicJwk = new ECKey.Builder(Curve.P_256, pub).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint().build();
            this.signer = new ECDSASigner(priv);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot use this EC key for ES256: " + e.getMessage(), e);
        }
        Ticker ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
        this.cache = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(lifetime.dividedBy(2))
                .maximumSize(CACHE_SIZE).build();
    }

    /**
     * The assertion for {@code user} at the app host {@code audience}: a cached one while it has
     * at least half its life left, else a fresh one.
     */
    public String assertion(String user, String audience) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(audience, "audience");
        Audience key = new Audience(user, audience);
        Instant now = clock.instant();
        SignedJWT cached = cache.getIfPresent(key);
        if (cached != null && remaining(cached, now).compareTo(lifetime.dividedBy(2)) >= 0) {
            return cached.serialize();
        }
        SignedJWT fresh = sign(user, audience, now);
        cache.put(key, fresh);
        return fresh.serialize();
    }

    private static Duration remaining(SignedJWT jwt, Instant now) {
        try {
            return Duration.between(now, jwt.getJWTClaimsSet().getExpirationTime().toInstant());
        } catch (java.text.ParseException e) {
            return Duration.ZERO; // never happens for a token we built; sign again
        }
    }

    private SignedJWT sign(String user, String audience, Instant now) {
        // whole seconds: NumericDate (RFC 7519 2) has no fraction, so exp - iat is exactly the lifetime
        Instant iat = Instant.ofEpochSecond(now.getEpochSecond());
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer).subject(user).audience(audience)
                .issueTime(Date.from(iat)).expirationTime(Date.from(iat.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(publicJwk.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("ES256 signing of the identity assertion failed: " + e.getMessage(), e);
        }
        return jwt;
    }

    /** The key id in every assertion's header: the public key's RFC 7638 thumbprint. */
    public String keyId() {
        return publicJwk.getKeyID();
    }

    /** The public JWK Set ({@code {"keys":[...]}}) for {@code /.well-known/jwks.json}; never holds private parts. */
    public String jwksJson() {
        return new JWKSet(publicJwk.toPublicJWK()).toString(true);
    }

    /** The issuer claim this signer writes. */
    public String issuer() {
        return issuer;
    }
}
