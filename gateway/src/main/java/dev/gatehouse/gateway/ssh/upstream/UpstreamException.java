package dev.gatehouse.gateway.ssh.upstream;

/**
 * Reaching the node failed at {@link #stage()}. The message is one line for the user (escape it
 * before it reaches a terminal: it may carry the node's own words); {@link #nodeMessage()} is what
 * the node itself said, if anything.
 */
public final class UpstreamException extends Exception {
    private static final long serialVersionUID = 1L;

    private final UpstreamStage stage;
    private final transient String nodeMessage;

    /**
     * @param stage the step that failed
     * @param message one line for the user
     * @param nodeMessage what the node said, or null
     * @param cause the library's exception, or null
     */
    public UpstreamException(UpstreamStage stage, String message, String nodeMessage, Throwable cause) {
        super(message, cause);
        this.stage = stage;
        this.nodeMessage = nodeMessage;
    }

    /** The step that failed. */
    public UpstreamStage stage() {
        return stage;
    }

    /**
     * The node's own words: the description of its SSH_MSG_DISCONNECT (RFC 4253 section 11.1), the
     * text it sent before its identification string, or the reason of its
     * SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 section 5.1) as {@code "REASON: DESCRIPTION"}; null
     * when it said nothing.
     */
    public String nodeMessage() {
        return nodeMessage;
    }
}
