package dev.gatehouse.gateway.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import java.time.Clock;
import java.util.Objects;

/**
 * Failed authentications per key (R24, R30). Each key has a bucket of {@code limit} tokens refilled
 * evenly over a minute (Bucket4j); every failure takes a token, and while the bucket is empty the
 * key is refused without its credential being looked at. What counts as a failure is the
 * factory's to say: {@link #perSource} and {@link #perPerson} count guesses (a signature or code
 * that was checked and refused), {@link #refusedQueriesPerSource} key queries that were refused.
 * A full bucket carries no information, so a key unused for a minute is forgotten (Caffeine,
 * expire after access); at most {@value #MAX_KEYS} keys are held, the least used going first.
 *
 * <p>A throttle is made for one kind of key, which its factory names: {@link #perSource} before
 * authentication, where nothing the client says is proven, and {@link #perPerson} after it. A
 * user name typed by a client is never a key: a stranger could aim it at anyone.
 *
 * @param <K> what the throttle is keyed by
 */
public final class AuthThrottle<K> {
    static final int MAX_KEYS = 100_000;

    private final String keyedBy;
    private final String counts;
    private final int limit;
    private final Clock clock;
    private final Cache<K, Bucket> buckets;

    private AuthThrottle(String keyedBy, String counts, Clock clock, int limitPerMinute) {
        if (limitPerMinute < 1) {
            throw new IllegalArgumentException("a throttle needs a limit of at least 1 a minute, got " + limitPerMinute);
        }
        this.keyedBy = keyedBy;
        this.counts = counts;
        this.limit = limitPerMinute;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.buckets = Caffeine.newBuilder()
                .ticker(ClockTime.ticker(clock))
                .expireAfterAccess(ClockTime.MINUTE)
                .maximumSize(MAX_KEYS)
                .build();
    }

    /** Failures before authentication, keyed by the client's network source (IPv4 address, IPv6 /64). */
    public static AuthThrottle<SourceKey> perSource(Clock clock, int failuresPerMinute) {
        return new AuthThrottle<>("source", "failures", clock, failuresPerMinute);
    }

    /**
     * Key queries (no signature) refused before authentication, keyed by source. A query proves
     * nothing and guesses nothing (public keys are public), so it is counted apart from the failures
     * of {@link #perSource}, with a much larger allowance: an agent offering keys the gateway does not
     * know must not lock its owner out, yet a source cannot ask about keys without bound.
     */
    public static AuthThrottle<SourceKey> refusedQueriesPerSource(Clock clock, int queriesPerMinute) {
        return new AuthThrottle<>("source", "refused key queries", clock, queriesPerMinute);
    }

    /** Failures after authentication (a second factor), keyed by the person: the policy user name. */
    public static AuthThrottle<String> perPerson(Clock clock, int failuresPerMinute) {
        return new AuthThrottle<>("person", "failures", clock, failuresPerMinute);
    }

    /** True while {@code key} has failures left. */
    public boolean allows(K key) {
        Bucket bucket = buckets.getIfPresent(Objects.requireNonNull(key, "key"));
        return bucket == null || bucket.getAvailableTokens() > 0;
    }

    /** Counts one failure against {@code key}. */
    public void recordFailure(K key) {
        buckets.get(Objects.requireNonNull(key, "key"), k -> ClockTime.perMinute(clock, limit)).tryConsume(1);
    }

    @Override
    public String toString() {
        return "AuthThrottle[per " + keyedBy + ", " + limit + " " + counts + " a minute]";
    }
}
