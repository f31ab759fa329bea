package dev.gatehouse.gateway.ssh.upstream;

/**
 * Reaching the node failed. The message is one line safe to show the user.
 */
public final class UpstreamException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, for the audit event type suffix. */
    public enum Kind { UNREACHABLE, HOST_KEY_MISMATCH, AUTH_REFUSED, TIMEOUT }

    private final Kind kind;

    UpstreamException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
