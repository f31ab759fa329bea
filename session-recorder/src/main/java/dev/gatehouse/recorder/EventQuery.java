package dev.gatehouse.recorder;

import java.time.Instant;

/**
 * Filters for reading the audit log; null fields do not filter.
 *
 * @param type exact event type or a prefix ending in {@code .} (e.g. {@code session.})
 * @param user identity
 * @param sessionId session
 * @param since inclusive lower bound on time
 * @param limit most events returned (newest last)
 */
public record EventQuery(String type, String user, String sessionId, Instant since, int limit) {
    public static EventQuery all() {
        return new EventQuery(null, null, null, null, Integer.MAX_VALUE);
    }

    public static EventQuery session(String sessionId) {
        return new EventQuery(null, null, sessionId, null, Integer.MAX_VALUE);
    }
}
