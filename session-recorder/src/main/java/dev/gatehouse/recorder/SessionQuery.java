package dev.gatehouse.recorder;

import java.time.Instant;

/**
 * A search for recorded sessions; null fields do not filter. Results are newest first (start time,
 * then chain and sequence number of the {@code session.start} event), paged by keyset
 * ({@link Keyset}): {@code before} is the {@code next} cursor of the previous page.
 *
 * @param user exact user name
 * @param node exact node name
 * @param login exact node login
 * @param kind exact session kind as {@code session.start} names it ({@code shell}, {@code exec}, {@code sftp}, ...)
 * @param from inclusive lower bound on the start time
 * @param to exclusive upper bound on the start time
 * @param outcome {@code session.end}'s outcome ({@code success}, {@code failure}, {@code closed}, {@code terminated}, {@code interrupted}), or
 *     {@code running} for sessions without an end
 * @param text a substring of a command the session ran (case-insensitive for ASCII letters), as
 *     {@code session_commands} holds them
 * @param scope the viewer's tenant
 * @param before a cursor from {@link SessionPage#next()}, or null for the first page
 * @param limit page size, 1 or more
 */
public record SessionQuery(String user, String node, String login, String kind, Instant from, Instant to,
        String outcome, String text, TenantScope scope, String before, int limit) {

    public SessionQuery {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, was " + limit);
        }
        scope = scope == null ? TenantScope.ALL : scope;
    }

    /** The newest {@code limit} sessions, unfiltered. */
    public static SessionQuery newest(int limit) {
        return new SessionQuery(null, null, null, null, null, null, null, null, TenantScope.ALL, null, limit);
    }
}
