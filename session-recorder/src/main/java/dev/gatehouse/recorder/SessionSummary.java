package dev.gatehouse.recorder;

import java.time.Instant;

/**
 * A session as the listings show it, built from its {@code session.start} and {@code session.end}
 * events, or an app session's {@code app.session.start} and {@code app.session.end}.
 *
 * @param id session id
 * @param user the person
 * @param login node login
 * @param node node
 * @param kind {@code shell}, {@code exec}, {@code sftp}, ... as {@code session.start} says, or {@code app}
 * @param command exec command line or subsystem name, or null
 * @param source client address
 * @param start start time
 * @param end end time, or null while running (or interrupted by a crash and not yet recovered)
 * @param exitStatus exit status, or null
 * @param outcome {@code success}, {@code failure}, {@code closed}, {@code terminated}, {@code interrupted}, or null while running
 */
public record SessionSummary(
        String id, String user, String login, String node, String kind, String command, String source,
        Instant start, Instant end, Integer exitStatus, String outcome) {}
