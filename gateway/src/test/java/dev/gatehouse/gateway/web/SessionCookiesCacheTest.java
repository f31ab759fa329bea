package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The cache of verified cookies, on a fake clock: it saves the MAC check and the JSON parse of a
 * cookie seen before, and nothing else; every per-call check still runs on a cached cookie.
 */
class SessionCookiesCacheTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final String HOST = "jupyter--gpu-node-1.apps.localhost";
    private static final SessionCookies.Claims ALICE = new SessionCookies.Claims("alice", "sid-1", "SHA256:abc", null);

    private final TestClock clock = new TestClock(Instant.parse("2026-11-29T12:00:00Z"));
    private final SessionCookies cookies = new SessionCookies(KEY, clock, Duration.ofHours(8));

    @Test
    void aVerifiedCookieIsCachedUntilItsExpiry() {
        String value = cookies.mint(HOST, ALICE, null);
        assertThat(cookies.cachedCount()).isZero();
        assertThat(cookies.verify(value, HOST).claims()).hasValueSatisfying(c -> assertThat(c.user()).isEqualTo("alice"));
        assertThat(cookies.cachedCount()).isEqualTo(1);
        assertThat(cookies.verify(value, HOST).claims()).hasValueSatisfying(c -> {
            assertThat(c.webSession()).isEqualTo("sid-1");
            assertThat(c.keyFingerprint()).isEqualTo("SHA256:abc");
            assertThat(c.expires()).isEqualTo(Instant.parse("2026-11-29T20:00:00Z"));
        });
        assertThat(cookies.cachedCount()).isEqualTo(1);

        clock.advance(Duration.ofHours(8));
        assertThat(cookies.cachedCount()).as("the entry ends at the cookie's exp").isZero();
    }

    /** Threat: a cookie accepted once stays accepted after its exp because it is cached. */
    @Test
    void aCachedCookieStillExpires() {
        String value = cookies.mint(HOST, ALICE, clock.instant().plusSeconds(30));
        assertThat(cookies.verify(value, HOST).claims()).isPresent();
        clock.advance(Duration.ofSeconds(30));
        assertThat(cookies.verify(value, HOST).refusal()).isEqualTo("cookie has expired");
    }

    /** Threat: a cookie cached for one host is replayed on another (the cache key is the value, not the host). */
    @Test
    void aCachedCookieIsStillRefusedOnAnotherHost() {
        String value = cookies.mint(HOST, ALICE, null);
        assertThat(cookies.verify(value, HOST).claims()).isPresent();
        assertThat(cookies.verify(value, "other--gpu-node-1.apps.localhost").refusal()).isEqualTo("cookie is for another host");
        assertThat(cookies.verify(value, "localhost").refusal()).isEqualTo("cookie is for another host");
    }

    /** Threat: a cookie from a gateway whose clock runs ahead is used before its iat once cached. */
    @Test
    void aCachedCookieIssuedInTheFutureIsRefused() {
        String value = cookies.mint(HOST, ALICE, null);
        assertThat(cookies.verify(value, HOST).claims()).isPresent();
        clock.set(clock.instant().minusSeconds(61));
        assertThat(cookies.verify(value, HOST).refusal()).isEqualTo("cookie is issued in the future");
    }

    /** Threat: a tampered cookie (one byte of claims or MAC changed) is served from the cache of the genuine one. */
    @Test
    void aTamperedCookieIsNeverCached() {
        String value = cookies.mint(HOST, ALICE, null);
        assertThat(cookies.verify(value, HOST).claims()).isPresent();
        int sig = value.lastIndexOf('.') + 1;
        String badMac = value.substring(0, sig) + (value.charAt(sig) == 'A' ? 'B' : 'A') + value.substring(sig + 1);
        String badClaims = value.substring(0, value.indexOf('.') + 1) + "x" + value.substring(value.indexOf('.') + 2);
        for (String tampered : new String[] {badMac, badClaims}) {
            SessionCookies.Verdict v = cookies.verify(tampered, HOST);
            assertThat(v.claims()).isEmpty();
            assertThat(v.refusal()).isIn("cookie signature does not verify (tampered or from another gateway)",
                    "cookie is not a valid JWS");
            assertThat(cookies.verify(tampered, HOST).claims()).as("refused again, not cached").isEmpty();
        }
        assertThat(cookies.cachedCount()).isEqualTo(1);
    }

    /** Threat: another gateway's key (or a guessed one) makes a cookie this gateway caches. */
    @Test
    void aCookieFromAnotherKeyIsNeitherAcceptedNorCached() {
        SessionCookies other = new SessionCookies("fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII),
                clock, Duration.ofHours(8));
        String foreign = other.mint(HOST, ALICE, null);
        assertThat(cookies.verify(foreign, HOST).claims()).isEmpty();
        assertThat(cookies.cachedCount()).isZero();
    }

    /** Threat: a flood of distinct valid cookies grows the cache without bound. */
    @Test
    void theCacheIsBounded() {
        for (int i = 0; i < SessionCookies.MAX_VERIFIED + 500; i++) {
            String value = cookies.mint(HOST, new SessionCookies.Claims("u" + i, "sid-" + i, "SHA256:x", null), null);
            assertThat(cookies.verify(value, HOST).claims()).isPresent();
        }
        assertThat(cookies.cachedCount()).isLessThanOrEqualTo(SessionCookies.MAX_VERIFIED);
    }
}
