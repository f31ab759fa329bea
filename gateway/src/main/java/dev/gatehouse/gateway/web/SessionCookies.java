package dev.gatehouse.gateway.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.gateway.session.ClockTime;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/**
 * The values of the gateway's browser cookies: compact JWS (RFC 7515) with HS256 (RFC 7518
 * section 3.2) over the claims {@code sub} (user), {@code sid} (web session id), {@code aud} (the
 * one host the cookie is for), {@code iat}, {@code exp} (RFC 7519 section 4.1) and {@code fpr},
 * the {@code SHA256:} fingerprint of the SSH key the user proved themselves with at
 * {@code web-login}, so that the per-request identity check (user still listed, enabled, key still
 * theirs, not locked) is the SSH path's own.
 *
 * <p>The MAC key is 256 bits derived from the gateway's audit key, so that gateways sharing their
 * keys accept each other's cookies and no new secret file is needed.
 *
 * <p>Verifying the MAC and parsing the JSON claims is the costly part of a request (a browser sends
 * the same cookie on every request of a page), so a cookie whose MAC verified and whose claims are
 * complete is kept in a bounded Caffeine cache keyed by the exact cookie value, until its own
 * {@code exp} on the injected clock. The per-call checks ({@code aud} against the host asked for,
 * {@code exp}, {@code iat}) run on every call, cached or not; a value that fails the MAC or is
 * malformed is never cached, and any change to a cached value is another key, so it is verified
 * afresh.
 */
final class SessionCookies {
    /** The console cookie: {@code __Host-} prefix (RFC 6265bis section 4.1.3.2): Secure, Path=/, no Domain. */
    static final String CONSOLE = "__Host-gatehouse";
    /** The cookie of one app host. */
    static final String APP = "__Host-gatehouse-app";
    /** Longest cookie value we try to parse (a real one is ~400 bytes). */
    private static final int MAX_VALUE = 4096;

    /**
     * A verified cookie.
     *
     * @param user the {@code sub}
     * @param webSession the {@code sid}: the web session started by one {@code web-login}
     * @param keyFingerprint the {@code fpr}
     * @param expires the {@code exp}
     */
    record Claims(String user, String webSession, String keyFingerprint, Instant expires) {}

    private final MACSigner signer;
    private final MACVerifier verifier;
    /** Verified cookies kept at most (a cookie value is ~400 bytes: a full cache is a few MiB). */
    static final long MAX_VERIFIED = 10_000;

    /** What a cookie with a good MAC says ({@code aud} is its one audience); the host and time checks are redone on each use. */
    private record Signed(String user, String webSession, String keyFingerprint, String audience,
            Instant issued, Instant expires) {}

    /** A cookie's MAC-verified claims, or why it is refused. */
    private record Checked(Signed signed, String refusal) {
        static Checked refused(String why) {
            return new Checked(null, why);
        }
    }

    private final Clock clock;
    private final Duration ttl;
    /** Cookie value → its MAC-verified claims, each entry until its {@code exp}. */
    private final Cache<String, Signed> verified;

    /**
     * @param key 32 bytes or more of secret MAC key
     * @param ttl a cookie's longest life ({@code web.session_ttl})
     */
    SessionCookies(byte[] key, Clock clock, Duration ttl) {
        try {
            this.signer = new MACSigner(key);
            this.verifier = new MACVerifier(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cookie MAC key must be at least 256 bits", e);
        }
        this.clock = clock;
        this.ttl = ttl;
        this.verified = Caffeine.newBuilder()
                .ticker(ClockTime.ticker(clock))
                .maximumSize(MAX_VERIFIED)
                .expireAfter(new Expiry<String, Signed>() {
                    @Override
                    public long expireAfterCreate(String value, Signed s, long now) {
                        return Math.max(0, Duration.between(clock.instant(), s.expires()).toNanos());
                    }

                    @Override
                    public long expireAfterUpdate(String value, Signed s, long now, long left) {
                        return expireAfterCreate(value, s, now);
                    }

                    @Override
                    public long expireAfterRead(String value, Signed s, long now, long left) {
                        return left;
                    }
                })
                .build();
    }

    /** How many verified cookies are cached now (for tests and metrics). */
    long cachedCount() {
        verified.cleanUp();
        return verified.estimatedSize();
    }

    /**
     * A cookie value for {@code host}, expiring at iat + ttl or at {@code notAfter} if that is sooner
     * (the end of the grant the access rests on, or of the console session an app cookie comes from).
     */
    String mint(String host, Claims who, Instant notAfter) {
        Instant now = clock.instant();
        Instant exp = now.plus(ttl);
        if (notAfter != null && notAfter.isBefore(exp)) {
            exp = notAfter;
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .subject(who.user())
                .claim("sid", who.webSession())
                .claim("fpr", who.keyFingerprint())
                .audience(host)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(exp))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a session cookie", e);
        }
        return jwt.serialize();
    }

    /** The outcome of checking a cookie: its claims, or why it is refused (for the audit log). */
    record Verdict(Optional<Claims> claims, String refusal) {
        static Verdict ok(Claims c) {
            return new Verdict(Optional.of(c), null);
        }

        static Verdict refused(String why) {
            return new Verdict(Optional.empty(), why);
        }
    }

    /**
     * Checks {@code value} for {@code host}: HS256 only (no {@code none}, no other algorithm), a valid
     * MAC, {@code aud} exactly {@code [host]}, {@code exp} after now and {@code iat} not in the future
     * (60 s skew between gateways allowed), every claim present.
     */
    Verdict verify(String value, String host) {
        if (value == null || value.isEmpty() || value.length() > MAX_VALUE) {
            return Verdict.refused("cookie is empty or too long");
        }
        Signed s = verified.getIfPresent(value);
        if (s == null) {
            Checked checked = checkMac(value, verifier);
            if (checked.signed() == null) {
                return Verdict.refused(checked.refusal());
            }
            s = checked.signed();
            if (clock.instant().isBefore(s.expires())) {
                verified.put(value, s);
            }
        }
        Instant now = clock.instant();
        if (!host.equals(s.audience())) {
            return Verdict.refused("cookie is for another host");
        }
        if (!now.isBefore(s.expires())) {
            return Verdict.refused("cookie has expired");
        }
        if (s.issued().isAfter(now.plusSeconds(60))) {
            return Verdict.refused("cookie is issued in the future");
        }
        return Verdict.ok(new Claims(s.user(), s.webSession(), s.keyFingerprint(), s.expires()));
    }

    /**
     * Parses {@code value} and checks its header (HS256, no {@code crit}), MAC and that every claim
     * is present: the claims, or why not. Nothing here depends on the time or the host asked for.
     */
    private static Checked checkMac(String value, MACVerifier verifier) {
        JWTClaimsSet c;
        try {
            SignedJWT jwt = SignedJWT.parse(value);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || jwt.getHeader().getCriticalParams() != null) {
                return Checked.refused("cookie is not HS256");
            }
            if (!jwt.verify(verifier)) {
                return Checked.refused("cookie signature does not verify (tampered or from another gateway)");
            }
            c = jwt.getJWTClaimsSet();
        } catch (ParseException | JOSEException | IllegalStateException e) {
            return Checked.refused("cookie is not a valid JWS");
        }
        List<String> aud = c.getAudience();
        if (aud == null || aud.size() != 1) {
            return Checked.refused("cookie is for another host");
        }
        Date exp = c.getExpirationTime();
        Date iat = c.getIssueTime();
        if (exp == null || iat == null) {
            return Checked.refused("cookie has expired");
        }
        Object sid = c.getClaim("sid");
        Object fpr = c.getClaim("fpr");
        if (c.getSubject() == null || !(sid instanceof String s) || !(fpr instanceof String f)) {
            return Checked.refused("cookie lacks sub, sid or fpr");
        }
        return new Checked(new Signed(c.getSubject(), s, f, aud.get(0), iat.toInstant(), exp.toInstant()), null);
    }

    /**
     * The {@code Set-Cookie} value for {@code name}: {@code Secure; HttpOnly; Path=/}, no
     * {@code Domain} (the {@code __Host-} rules), a {@code SameSite} attribute by cookie
     * ({@link #sameSite}) and a {@code Max-Age} to the token's own expiry.
     */
    static String setCookie(String name, String value, Instant expires, Instant now) {
        long maxAge = Math.max(0, Duration.between(now, expires).toSeconds());
        return name + "=" + value + "; Max-Age=" + maxAge + "; Path=/; Secure; HttpOnly; SameSite=" + sameSite(name);
    }

    /**
     * The {@code SameSite} attribute (RFC 6265bis section 5.4.7) of cookie {@code name}.
     *
     * <p>The console cookie is {@code Strict}: the console changes state (approve, revoke, lock,
     * terminate), and a request that another site starts, even a top-level navigation, never
     * carries it. The console's pages load their data from the API with same-origin requests, so
     * a console page reached from a link elsewhere still shows the viewer's data; the one console
     * URL that acts on a navigation, {@code /launch}, re-navigates once from the console's own
     * origin when it arrives without the cookie (ConsolePages).
     *
     * <p>The app cookie is {@code Lax}: app hosts are reached from links on other sites (chat,
     * wikis, bookmarks), where {@code Strict} would withhold it on the first request and bounce
     * every such link through the launch flow. {@code Lax} still withholds it from cross-site
     * subresource requests and cross-site POSTs.
     */
    static String sameSite(String name) {
        return CONSOLE.equals(name) ? "Strict" : "Lax";
    }

    /** A {@code Set-Cookie} that deletes {@code name} (a stale or refused cookie). */
    static String clearCookie(String name) {
        return name + "=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=" + sameSite(name);
    }
}
