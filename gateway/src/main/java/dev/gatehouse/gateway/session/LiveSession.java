package dev.gatehouse.gateway.session;

import java.time.Instant;

/** A session in progress, as the registry sees it. */
public interface LiveSession {
    String id();

    String user();

    String login();

    String node();

    String kindName();

    Instant start();

    /** Stores recording data that has been buffered for a while (called periodically). */
    void flushRecording();

    /** Ends the session now, telling the user why (one line). */
    void terminate(String reason);
}
