package dev.gatehouse.gateway.web.console;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.gateway.access.RequestIds;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.policy.Printable;
import dev.gatehouse.recorder.AccessLog;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Console API tokens ({@code ssh GATEWAY api-token --for 1h}): JWTs (RFC 7519) signed ES256 (RFC
 * 7515, RFC 7518 section 3.4) with the gateway's {@code api-token} key, header {@code kid} the key's
 * RFC 7638 thumbprint and {@code typ: JWT}; claims {@code iss} the console origin
 * ({@code https://HOST:PORT}), {@code aud} {@value #AUDIENCE}, {@code sub} the user, {@code jti} the
 * token id ({@code t-} and 10 base32 characters, as {@code api-tokens} lists it), {@code iat},
 * {@code exp} (at most {@link #MAX_LIFETIME} after {@code iat}) and {@code fpr}, the SSH key the
 * token was issued to, so the per-request identity check (user listed, enabled, key still theirs,
 * not locked) is the SSH path's own.
 *
 * <p>Every token is a row in the store's {@code api_tokens} table (on the access chain); a
 * revocation is a second row and takes effect on the next request, on every gateway sharing the
 * store, because {@link #verify} reads the rows each time. The key's public half is not published:
 * only the gateway verifies these tokens.
 */
public final class ApiTokens {
    /** The {@code aud} of every API token. */
    public static final String AUDIENCE = "gatehouse-api";
    /** Longest lifetime of a token. */
    public static final Duration MAX_LIFETIME = Duration.ofHours(24);
    /** Longest token name. */
    public static final int MAX_NAME = 64;
    /** Longest bearer value we try to parse (a real one is ~500 bytes). */
    private static final int MAX_VALUE = 4096;

    /**
     * A token as the store knows it.
     *
     * @param id the {@code jti}
     * @param user the owner
     * @param name the owner's label, or null
     * @param keyFingerprint the SSH key it was issued to, or ""
     * @param issued when
     * @param expires its {@code exp}
     * @param revokedBy who revoked it, or null
     * @param revoked when, or null
     */
    public record Token(String id, String user, String name, String keyFingerprint, Instant issued, Instant expires,
            String revokedBy, Instant revoked) {
        /** Whether it is usable at {@code now}: not revoked, not expired. */
        public boolean validAt(Instant now) {
            return revoked == null && now.isBefore(expires);
        }

        /** The JSON view ({@code api-tokens --json}, {@code GET /api/v1/api-tokens}). */
        public Map<String, Object> json(Instant now) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("id", id);
            o.put("user", user);
            o.put("name", name);
            o.put("issued", issued.toString());
            o.put("expires", expires.toString());
            o.put("state", revoked != null ? "revoked" : now.isBefore(expires) ? "valid" : "expired");
            o.put("revoked_by", revokedBy);
            o.put("revoked", revoked == null ? null : revoked.toString());
            return o;
        }
    }

    /** A freshly issued token and its compact JWS, shown once. */
    public record Issued(Token token, String jwt) {}

    /** The outcome of checking a bearer value: the token, or why it is refused (for the audit log and the 401). */
    public record Check(Optional<Token> token, String user, String refusal) {
        static Check ok(Token t) {
            return new Check(Optional.of(t), t.user(), null);
        }

        static Check refused(String user, String why) {
            return new Check(Optional.empty(), user, why);
        }
    }

    private final ECDSASigner signer;
    private final ECDSAVerifier verifier;
    private final String keyId;
    private final Supplier<String> issuer;
    private final AccessLog store;
    private final AuditTrail audit;
    private final Clock clock;
    private final InstanceTokens instanceTokens;

    /**
     * @param key the EC P-256 key pair ({@code api-token} in the keys folder)
     * @param issuer the console origin ({@code https://HOST:PORT}), asked for at each issue and check (the port is known once bound)
     * @param store where tokens and revocations are kept
     * @param audit where issues and revocations are recorded
     * @param clock time for {@code iat}/{@code exp} and expiry checks
     * @throws IllegalArgumentException when the key is not EC P-256
     */
    public ApiTokens(KeyPair key, Supplier<String> issuer, AccessLog store, AuditTrail audit, Clock clock) {
        if (!(key.getPublic() instanceof ECPublicKey pub) || !(key.getPrivate() instanceof ECPrivateKey priv)
                || !Curve.P_256.equals(Curve.forECParameterSpec(pub.getParams()))) {
            throw new IllegalArgumentException("the API token key must be an EC P-256 key pair (ES256), got "
                    + key.getPublic().getAlgorithm());
        }
        try {
            this.keyId = new ECKey.Builder(Curve.P_256, pub).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
                    .keyIDFromThumbprint().build().getKeyID();
            this.signer = new ECDSASigner(priv);
            this.verifier = new ECDSAVerifier(pub);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot use this EC key for ES256: " + e.getMessage(), e);
        }
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.store = Objects.requireNonNull(store, "store");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.instanceTokens = new InstanceTokens(key, clock);
    }

    /** The tokens instances sharing this key present to each other (another audience and type than an api-token). */
    public InstanceTokens instanceTokens() {
        return instanceTokens;
    }

    /**
     * Issues a token to {@code who} for {@code lifetime}, stores it and audits {@code api.token.issued}.
     *
     * @param name the owner's label (printable, at most {@link #MAX_NAME} characters), or null
     * @throws IllegalArgumentException when the lifetime is not positive or longer than {@link #MAX_LIFETIME}, or the name is bad
     * @throws dev.gatehouse.recorder.StoreUnavailableException when the store cannot keep it (nothing is issued)
     */
    public Issued issue(Identity who, Duration lifetime, String name) {
        if (lifetime == null || lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(MAX_LIFETIME) > 0) {
            throw new IllegalArgumentException("an API token lives at most " + MAX_LIFETIME.toHours() + "h; ask for less");
        }
        if (name != null && (name.isBlank() || name.length() > MAX_NAME || !Printable.escape(name).equals(name))) {
            throw new IllegalArgumentException("--name must be 1 to " + MAX_NAME + " printable characters");
        }
        Instant iat = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant exp = iat.plus(lifetime);
        String id = RequestIds.next("t-");
        String fpr = who.keyFingerprint() == null ? "" : who.keyFingerprint();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer.get()).subject(who.user()).audience(AUDIENCE).jwtID(id)
                .issueTime(Date.from(iat)).expirationTime(Date.from(exp)).claim("fpr", fpr)
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(keyId).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("ES256 signing of an API token failed: " + e.getMessage(), e);
        }
        store.appendApiToken(new AccessLog.ApiTokenRow(id, 0, "issue", who.user(), name, fpr, exp, who.user(), iat));
        audit.append(audit.event(EventType.API_TOKEN_ISSUED, "success").withUser(who.user()).withSource(who.source())
                .with("token_id", id).with("name", name).with("expires", exp.toString()));
        return new Issued(new Token(id, who.user(), name, fpr, iat, exp, null, null), jwt.serialize());
    }

    /** The tokens of {@code user}, newest first (revoked and expired ones too). */
    public List<Token> list(String user) {
        Map<String, List<AccessLog.ApiTokenRow>> byId = new LinkedHashMap<>();
        for (AccessLog.ApiTokenRow row : store.apiTokens(user)) {
            byId.computeIfAbsent(row.id(), k -> new ArrayList<>()).add(row);
        }
        List<Token> out = new ArrayList<>();
        byId.values().forEach(rows -> fold(rows).ifPresent(out::add));
        return out;
    }

    /** Token {@code id} if it exists and belongs to {@code user}; empty otherwise (a token of another user does not exist for them). */
    public Optional<Token> find(String user, String id) {
        if (id == null || id.length() > 64) {
            return Optional.empty();
        }
        return fold(store.apiToken(id)).filter(t -> t.user().equals(user));
    }

    /**
     * Revokes {@code user}'s own token {@code id} (audits {@code api.token.revoked}).
     *
     * @throws IllegalArgumentException "no API token 'ID'" when it does not exist or is another user's
     * @throws IllegalStateException when it is already revoked
     */
    public Token revoke(String user, String source, String id) {
        Token t = find(user, id).orElseThrow(() -> new IllegalArgumentException("no API token '" + Printable.escape(String.valueOf(id)) + "'"));
        if (t.revoked() != null) {
            throw new IllegalStateException("API token " + id + " is already revoked");
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        store.appendApiToken(new AccessLog.ApiTokenRow(id, 0, "revoke", t.user(), t.name(), t.keyFingerprint(), t.expires(), user, now));
        audit.append(audit.event(EventType.API_TOKEN_REVOKED, "success").withUser(user).withSource(source).with("token_id", id));
        return new Token(t.id(), t.user(), t.name(), t.keyFingerprint(), t.issued(), t.expires(), user, now);
    }

    /**
     * Checks a bearer value: ES256 only (no {@code none}, no HMAC, no other key), a valid signature
     * by this gateway's key, {@code iss} the console origin, {@code aud} exactly
     * [{@value #AUDIENCE}], {@code exp} ahead and {@code iat} not in the future (60 s skew), every
     * claim present, then the store: the token was issued to {@code sub} and is not revoked.
     *
     * @throws dev.gatehouse.recorder.StoreUnavailableException when the store cannot be read
     */
    public Check verify(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_VALUE) {
            return Check.refused(null, "bearer token is empty or too long");
        }
        JWTClaimsSet c;
        try {
            SignedJWT jwt = SignedJWT.parse(value);
            JWSHeader h = jwt.getHeader();
            if (!JWSAlgorithm.ES256.equals(h.getAlgorithm()) || h.getCriticalParams() != null || !keyId.equals(h.getKeyID())) {
                return Check.refused(null, "bearer token is not an ES256 API token of this gateway");
            }
            if (!jwt.verify(verifier)) {
                return Check.refused(null, "bearer token signature does not verify (tampered or from another gateway)");
            }
            c = jwt.getJWTClaimsSet();
        } catch (ParseException | JOSEException | IllegalStateException e) {
            return Check.refused(null, "bearer token is not a valid JWS");
        }
        String user = c.getSubject();
        Instant now = clock.instant();
        if (!issuer.get().equals(c.getIssuer())) {
            return Check.refused(user, "bearer token is from another issuer");
        }
        List<String> aud = c.getAudience();
        if (aud == null || aud.size() != 1 || !AUDIENCE.equals(aud.get(0))) {
            return Check.refused(user, "bearer token is for another audience");
        }
        Date exp = c.getExpirationTime();
        Date iat = c.getIssueTime();
        if (exp == null || iat == null || !now.isBefore(exp.toInstant())) {
            return Check.refused(user, "bearer token has expired");
        }
        if (iat.toInstant().isAfter(now.plusSeconds(60))) {
            return Check.refused(user, "bearer token is issued in the future");
        }
        String id = c.getJWTID();
        if (user == null || id == null) {
            return Check.refused(user, "bearer token lacks sub or jti");
        }
        Optional<Token> t = find(user, id);
        if (t.isEmpty()) {
            return Check.refused(user, "bearer token " + Printable.shorten(Printable.escape(id), 64) + " is unknown to the store");
        }
        if (t.get().revoked() != null) {
            return Check.refused(user, "bearer token " + id + " was revoked by " + t.get().revokedBy());
        }
        return Check.ok(t.get());
    }

    /** The folded state of one token's rows (issue, then perhaps revoke); empty when there is no issue row. */
    private static Optional<Token> fold(List<AccessLog.ApiTokenRow> rows) {
        AccessLog.ApiTokenRow issue = null;
        AccessLog.ApiTokenRow revoke = null;
        for (AccessLog.ApiTokenRow r : rows) {
            if (r.action().equals("issue") && issue == null) {
                issue = r;
            } else if (r.action().equals("revoke") && revoke == null) {
                revoke = r;
            }
        }
        if (issue == null) {
            return Optional.empty();
        }
        return Optional.of(new Token(issue.id(), issue.user(), issue.name(), issue.keyFingerprint(), issue.time(), issue.expires(),
                revoke == null ? null : revoke.actor(), revoke == null ? null : revoke.time()));
    }
}
