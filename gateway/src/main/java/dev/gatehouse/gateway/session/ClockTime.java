package dev.gatehouse.gateway.session;

import com.github.benmanes.caffeine.cache.Ticker;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The injected {@link Clock} as Caffeine's {@link Ticker} and Bucket4j's {@link TimeMeter}, so the
 * limiters' expiry and refill follow the clock tests move (nanoseconds since the epoch).
 */
public final class ClockTime {
    /** Limits here are all "so many a minute". */
    static final Duration MINUTE = Duration.ofMinutes(1);

    private ClockTime() {}

    static long nanos(Clock clock) {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** {@code clock} as a Caffeine {@link Ticker}: nanoseconds since the epoch, on the clock's time. */
    public static Ticker ticker(Clock clock) {
        return () -> nanos(clock);
    }

    static TimeMeter timeMeter(Clock clock) {
        return new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return nanos(clock);
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    /**
     * A bucket of {@code perMinute} tokens refilled evenly over a minute (greedy refill: one token every
     * 60/perMinute s), full at the start. Once empty it admits one more event per refill interval.
     */
    public static Bucket perMinute(Clock clock, int perMinute) {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, MINUTE))
                .withCustomTimePrecision(timeMeter(clock))
                .build();
    }
}
