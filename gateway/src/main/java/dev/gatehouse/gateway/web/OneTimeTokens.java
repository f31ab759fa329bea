package dev.gatehouse.gateway.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.gateway.session.ClockTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Single-use bearer tokens that expire: the {@code web-login} tickets and the app launch tokens.
 * A token is 256 random bits, base64url without padding (43 characters); what it stands for stays
 * here, in a Caffeine cache whose time is the injected clock. Redeeming removes the entry
 * atomically, so of two racing redemptions exactly one gets the value.
 *
 * @param <T> what a token stands for
 */
final class OneTimeTokens<T> {
    /** Length of a token: 32 bytes in base64url without padding (RFC 4648 section 5). */
    static final int LENGTH = 43;
    /** Outstanding tokens kept at most; beyond that the oldest go first (a flood of logins cannot fill memory). */
    private static final long MAX_OUTSTANDING = 100_000;

    private record Entry<T>(T value, Instant expires) {}

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Duration ttl;
    private final Cache<String, Entry<T>> tokens;
    /** Tokens redeemed within the last lifetime, so a second use is refused as reuse, not as unknown. */
    private final Cache<String, Boolean> spent;

    OneTimeTokens(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
        this.tokens = expiring(clock, ttl);
        this.spent = expiring(clock, ttl);
    }

    /** A cache whose entries expire {@code ttl} after they are written, on {@code clock}'s time, at most {@link #MAX_OUTSTANDING}. */
    private static <K, V> Cache<K, V> expiring(Clock clock, Duration ttl) {
        return Caffeine.newBuilder()
                .ticker(ClockTime.ticker(clock))
                .expireAfterWrite(ttl)
                .maximumSize(MAX_OUTSTANDING)
                .<K, V>build();
    }

    Duration ttl() {
        return ttl;
    }

    /** A fresh token for {@code value}, redeemable once within the lifetime. */
    String issue(T value) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        tokens.put(token, new Entry<>(value, clock.instant().plus(ttl)));
        return token;
    }

    /**
     * The value of {@code token} if it was issued, is unexpired and was not redeemed before; the
     * token is spent either way. Malformed input (null, wrong length or alphabet) gives empty.
     */
    Optional<T> redeem(String token) {
        if (!wellFormed(token)) {
            return Optional.empty();
        }
        Entry<T> entry = tokens.asMap().remove(token);
        // the cache expires on its own clock reading; checking here too makes the boundary exact
        if (entry == null || !clock.instant().isBefore(entry.expires())) {
            return Optional.empty();
        }
        spent.put(token, Boolean.TRUE);
        return Optional.of(entry.value());
    }

    /** Why {@code token} redeems nothing, in words for the user and the audit log (after {@link #redeem} said empty). */
    String refusal(String token) {
        if (!wellFormed(token)) {
            return "the link is malformed";
        }
        if (spent.getIfPresent(token) != null) {
            return "the link was already used (each works once)";
        }
        return "the link is unknown or expired (each works for " + ttl.toSeconds() + " s)";
    }

    static boolean wellFormed(String token) {
        if (token == null || token.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
