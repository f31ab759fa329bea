package dev.gatehouse.recorder;

import java.time.Instant;

/**
 * A search of the audit log; null fields do not filter. Results are newest first (time, then chain
 * and sequence number), paged by keyset ({@link Keyset}): {@code before} is the {@code next} cursor
 * of the previous page.
 *
 * @param type exact event type, or a prefix ending in {@code .} ({@code session.})
 * @param user exact user name
 * @param node exact node name
 * @param sessionId exact session id
 * @param from inclusive lower bound on the time
 * @param to exclusive upper bound on the time
 * @param scope the viewer's tenant
 * @param before a cursor from {@link EventPage#next()}, or null for the first page
 * @param limit page size, 1 or more
 */
public record EventSearch(String type, String user, String node, String sessionId, Instant from, Instant to,
        TenantScope scope, String before, int limit) {

    public EventSearch {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, was " + limit);
        }
        scope = scope == null ? TenantScope.ALL : scope;
    }
}
