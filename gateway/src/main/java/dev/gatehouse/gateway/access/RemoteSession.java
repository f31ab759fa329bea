package dev.gatehouse.gateway.access;

import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.recorder.InstanceRegistry.LiveRow;
import java.time.Instant;

/**
 * A live session that another gateway instance runs, as the store's registry lists it (issue 13).
 * Read-only here: it is never in this instance's {@link dev.gatehouse.gateway.session.SessionRegistry};
 * {@link LiveSessions} terminates it through its owner ({@link LiveDirectory#forwardTerminate}).
 *
 * @param instance the owner's name
 * @param state {@link #LIVE}, or {@link #DEAD} when the owner stopped heartbeating longer than dead_after ago
 * @param lastSeen the owner's last heartbeat
 */
public record RemoteSession(LiveRow row, String instance, String state, Instant lastSeen) implements LiveSession {
    /** The owner heartbeats. */
    public static final String LIVE = "live";
    /** The owner has not heartbeated for longer than dead_after: the session may be gone with it. */
    public static final String DEAD = "dead";

    public boolean dead() {
        return DEAD.equals(state);
    }

    @Override
    public String id() {
        return row.sessionId();
    }

    @Override
    public String user() {
        return row.user();
    }

    /** Not shared between instances. */
    @Override
    public String keyFingerprint() {
        return null;
    }

    @Override
    public String source() {
        return row.source();
    }

    @Override
    public String login() {
        return row.login();
    }

    @Override
    public String node() {
        return row.node();
    }

    @Override
    public String kindName() {
        return row.kind();
    }

    @Override
    public Instant start() {
        return row.startedAt();
    }

    /** The tenant the session belongs to (as its owner decided: the node's, or on the gateway the user's). */
    @Override
    public String userTenant() {
        return row.tenant();
    }

    @Override
    public String nodeTenant() {
        return row.tenant();
    }

    @Override
    public String grantId() {
        return row.grantId();
    }

    /** Not shared; the owner enforces its grant's end. */
    @Override
    public Instant grantEnd() {
        return null;
    }

    @Override
    public int warningsSent() {
        return 0;
    }

    /** The owner's terminal, not ours: nothing to write to. */
    @Override
    public void warn(int level, String line) {
        // another instance's session
    }

    @Override
    public void flushRecording() {
        // the owner records it
    }

    @Override
    public long bytesIn() {
        return row.bytesIn();
    }

    @Override
    public long bytesOut() {
        return row.bytesOut();
    }

    @Override
    public boolean observable() {
        return row.observable();
    }

    /** Refused: only the owner can end it; go through {@link LiveSessions#terminate}. */
    @Override
    public void terminate(String reason) {
        throw new UnsupportedOperationException("session " + id() + " runs on instance " + instance()
                + "; terminate it through LiveSessions, which forwards to its owner");
    }
}
