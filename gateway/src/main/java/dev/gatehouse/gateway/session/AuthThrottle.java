package dev.gatehouse.gateway.session;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed authentications per source address and per requested user name over a sliding
 * minute (R24). Once either count reaches the limit, further attempts from that address or for
 * that name are refused without looking at the key, until the window slides.
 */
public final class AuthThrottle {
    private static final Duration WINDOW = Duration.ofMinutes(1);
    private static final int MAX_TRACKED = 100_000;

    private final Clock clock;
    private final int limit;
    private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    public AuthThrottle(Clock clock, int limitPerMinute) {
        this.clock = clock;
        this.limit = limitPerMinute;
    }

    /** True when neither the address nor the user name is over its limit. */
    public boolean allows(String sourceIp, String userName) {
        long now = clock.millis();
        return count("ip:" + sourceIp, now) < limit && count("user:" + userName, now) < limit;
    }

    public void recordFailure(String sourceIp, String userName) {
        long now = clock.millis();
        if (failures.size() > MAX_TRACKED) {
            prune(now);
        }
        add("ip:" + sourceIp, now);
        add("user:" + userName, now);
    }

    private void add(String key, long now) {
        Deque<Long> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (times) {
            times.addLast(now);
            while (times.size() > limit + 1) {
                times.removeFirst();
            }
        }
    }

    private int count(String key, long now) {
        Deque<Long> times = failures.get(key);
        if (times == null) {
            return 0;
        }
        synchronized (times) {
            while (!times.isEmpty() && times.peekFirst() <= now - WINDOW.toMillis()) {
                times.removeFirst();
            }
            return times.size();
        }
    }

    private void prune(long now) {
        for (Iterator<Map.Entry<String, Deque<Long>>> it = failures.entrySet().iterator(); it.hasNext();) {
            if (count(it.next().getKey(), now) == 0) {
                it.remove();
            }
        }
    }
}
