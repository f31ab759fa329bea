package dev.gatehouse.gateway.web.console;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The short-lived tokens one gateway instance presents to another sharing its database and keys
 * (issue 13: observing a session that runs on another instance). A JWT (RFC 7519) signed ES256
 * (RFC 7518 section 3.4) with the shared API-token key, JOSE {@code typ} {@value #TYPE}:
 * {@code iss} the calling instance's audit chain id, {@code aud} exactly {@value #AUDIENCE},
 * {@code sub} the viewer, {@code jti} a random id, {@code iat}/{@code exp} ({@link #LIFETIME}), and
 * the claims {@code instance} (the caller's name), {@code tenant} (the viewer's, or absent),
 * {@code permissions} (what the caller's policy grants the viewer), {@code fpr} (their key's
 * {@code SHA256:} fingerprint, or absent) and {@code src} (their address as the caller saw it).
 *
 * <p>The audience and type keep it apart from an api-token signed by the same key: neither is
 * accepted in place of the other. Each {@code jti} is accepted once by {@link #verify}; this
 * memory is the process's (a token replayed to an instance restarted within its 60 s is accepted
 * there once more).
 */
public final class InstanceTokens {
    /** The {@code aud} of every instance token. */
    public static final String AUDIENCE = "gatehouse-instance";
    /** The JOSE {@code typ} header (RFC 7515 section 4.1.9). */
    public static final String TYPE = "gatehouse-instance+jwt";
    /** How long a token is valid after it is issued. */
    public static final Duration LIFETIME = Duration.ofSeconds(60);
    /** Clock difference tolerated between instances on {@code iat}. */
    static final Duration SKEW = Duration.ofSeconds(5);

    /**
     * What a verified token says.
     *
     * @param issuer the calling instance's chain id ({@code iss})
     * @param instance the calling instance's name
     * @param user the viewer ({@code sub})
     * @param tenant the viewer's tenant as the caller's policy says, or null
     * @param permissions the permissions the caller's policy grants the viewer ({@code audit}, {@code admin})
     * @param keyFingerprint the viewer's key fingerprint, or null
     * @param source the viewer's address as the caller saw it
     * @param id the token's {@code jti}
     * @param expires its {@code exp}
     */
    public record Claims(String issuer, String instance, String user, String tenant, List<String> permissions,
            String keyFingerprint, String source, String id, Instant expires) {}

    /** A token checked: its claims, or why it is refused (one line, for the audit log and the 401). */
    public record Check(Claims claims, String refusal) {
        static Check refused(String why) {
            return new Check(null, why);
        }
    }

    private final ECDSASigner signer;
    private final ECDSAVerifier verifier;
    private final String keyId;
    private final Clock clock;
    /** {@code jti}s accepted, kept past their expiry: a second presentation is a replay. */
    private final Cache<String, Claims> seen = Caffeine.newBuilder().expireAfterWrite(LIFETIME.plus(SKEW).multipliedBy(2))
            .maximumSize(100_000).build();

    /**
     * @param key the shared API-token key (EC P-256), the same on every instance
     * @throws IllegalArgumentException when the key is not EC P-256
     */
    public InstanceTokens(KeyPair key, Clock clock) {
        if (!(key.getPublic() instanceof ECPublicKey pub) || !(key.getPrivate() instanceof ECPrivateKey priv)
                || !Curve.P_256.equals(Curve.forECParameterSpec(pub.getParams()))) {
            throw new IllegalArgumentException("the instance token key must be an EC P-256 key pair (ES256)");
        }
        try {
            this.keyId = new ECKey.Builder(Curve.P_256, pub).keyIDFromThumbprint().build().getKeyID();
            this.signer = new ECDSASigner(priv);
            this.verifier = new ECDSAVerifier(pub);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot use this EC key for ES256: " + e.getMessage(), e);
        }
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A compact JWS for one call to another instance, valid {@link #LIFETIME} from now. */
    public String issue(String issuerChain, String issuerName, String user, String tenant, List<String> permissions,
            String keyFingerprint, String source) {
        Instant now = clock.instant();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuerChain).audience(AUDIENCE).subject(user)
                .jwtID(UUID.randomUUID().toString()).issueTime(Date.from(now)).expirationTime(Date.from(now.plus(LIFETIME)))
                .claim("instance", issuerName).claim("permissions", List.copyOf(permissions)).claim("src", source);
        if (tenant != null) {
            claims.claim("tenant", tenant);
        }
        if (keyFingerprint != null && !keyFingerprint.isEmpty()) {
            claims.claim("fpr", keyFingerprint);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(keyId).type(new JOSEObjectType(TYPE)).build(),
                claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("ES256 signing of an instance token failed: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    /**
     * Checks a bearer value: ES256 by the shared key only, {@code typ} {@value #TYPE}, {@code aud}
     * exactly {@value #AUDIENCE}, within {@code iat}..{@code exp} (and at most {@link #LIFETIME}
     * long), every claim present, and a {@code jti} not seen before (it is then remembered).
     */
    public Check verify(String value) {
        SignedJWT jwt;
        JWTClaimsSet c;
        try {
            jwt = SignedJWT.parse(value);
            JWSHeader h = jwt.getHeader();
            if (!JWSAlgorithm.ES256.equals(h.getAlgorithm()) || h.getCriticalParams() != null || !keyId.equals(h.getKeyID())
                    || h.getType() == null || !TYPE.equals(h.getType().getType())) {
                return Check.refused("not an ES256 instance token of this gateway fleet");
            }
            if (!jwt.verify(verifier)) {
                return Check.refused("instance token signature does not verify (tampered, or signed by another key)");
            }
            c = jwt.getJWTClaimsSet();
        } catch (ParseException | JOSEException | IllegalStateException e) {
            return Check.refused("instance token is not a valid JWS");
        }
        Instant now = clock.instant();
        List<String> aud = c.getAudience();
        if (aud == null || aud.size() != 1 || !AUDIENCE.equals(aud.get(0))) {
            return Check.refused("token is not for " + AUDIENCE);
        }
        Date iat = c.getIssueTime();
        Date exp = c.getExpirationTime();
        if (iat == null || exp == null || exp.toInstant().isAfter(iat.toInstant().plus(LIFETIME))) {
            return Check.refused("instance token has no valid lifetime (at most " + LIFETIME.toSeconds() + " s)");
        }
        if (!now.isBefore(exp.toInstant())) {
            return Check.refused("instance token expired at " + exp.toInstant());
        }
        if (iat.toInstant().isAfter(now.plus(SKEW))) {
            return Check.refused("instance token is issued in the future (" + iat.toInstant() + "); are the clocks in step?");
        }
        Claims claims;
        try {
            List<String> permissions = c.getStringListClaim("permissions");
            claims = new Claims(c.getIssuer(), c.getStringClaim("instance"), c.getSubject(), c.getStringClaim("tenant"),
                    permissions == null ? List.of() : List.copyOf(permissions), c.getStringClaim("fpr"), c.getStringClaim("src"),
                    c.getJWTID(), exp.toInstant());
        } catch (ParseException e) {
            return Check.refused("instance token has a malformed claim");
        }
        if (claims.issuer() == null || claims.instance() == null || claims.user() == null || claims.id() == null) {
            return Check.refused("instance token lacks iss, instance, sub or jti");
        }
        if (seen.asMap().putIfAbsent(claims.id(), claims) != null) {
            return Check.refused("instance token " + claims.id() + " was already used (replayed)");
        }
        return new Check(claims, null);
    }

    /** The claims of the token {@code jti} this process accepted (kept until a while after it expired), or null. */
    public Claims accepted(String jti) {
        return jti == null ? null : seen.getIfPresent(jti);
    }
}
