package dev.gatehouse.gateway.session;

import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.PolicyEvaluator;
import java.time.Instant;

/** A session in progress, as the registry (and admins' kill switches) see it. */
public interface LiveSession {
    String id();

    String user();

    /** The {@code SHA256:} fingerprint of the key the user proved their identity with; null when they proved it without one (an OIDC login, a client certificate). */
    String keyFingerprint();

    /** The client's address ({@code ip:port}), or null when unknown. */
    default String source() {
        return null;
    }

    /** The node login, or null for a session on the gateway itself (its command shell). */
    String login();

    /** The node, or null for a session on the gateway itself. */
    String node();

    String kindName();

    Instant start();

    /** The user's tenant, or null. */
    String userTenant();

    /** The node's tenant, or null. */
    String nodeTenant();

    /** The elevation grant (request id) this session runs under, or null for standing access. */
    String grantId();

    /** When that grant ends, or null. */
    Instant grantEnd();

    /** How many expiry warnings were sent (0, 1 or 2); the ticker uses it to warn once per threshold. */
    int warningsSent();

    /** Writes one line to the user's terminal (stderr) without ending the session. */
    void warn(int level, String line);

    /** Stores recording data that has been buffered for a while (called periodically). */
    void flushRecording();

    /**
     * Whether this node session may go on under {@code evaluator} and {@code state} at {@code now}
     * (R28): by default its login decision again; a forward also checks its port.
     */
    default Decision judge(PolicyEvaluator evaluator, AccessState state, Instant now) {
        return evaluator.decide(user(), login(), node(), state, now);
    }

    /** Bytes the client has sent towards the node so far (stdin, forwarded or app request bytes); 0 where nothing is counted. */
    default long bytesIn() {
        return 0;
    }

    /** Bytes the node has sent back to the client so far; 0 where nothing is counted. */
    default long bytesOut() {
        return 0;
    }

    /** Whether {@link #observe} can attach to this session: an interactive terminal that has not ended. */
    default boolean observable() {
        return false;
    }

    /**
     * Attaches {@code observer} to the session's terminal output and tells the user, on their
     * terminal only, that {@code who} is watching (read-only).
     *
     * @throws IllegalStateException when the session is not {@link #observable()} (not a terminal, or ended)
     */
    default TerminalObserver.Observation observe(String who, TerminalObserver observer) {
        throw new IllegalStateException("session " + id() + " has no terminal to observe");
    }

    /** Ends the session now, telling the user why (one line). */
    void terminate(String reason);
}
