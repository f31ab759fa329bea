package dev.gatehouse.gateway.ssh.upstream;

import dev.gatehouse.policy.Node;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;

/**
 * A node's SSH_MSG_CHANNEL_OPEN_FAILURE in the words RFC 4254 section 5.1 gives its reason codes
 * (and OpenSSH prints): {@code administratively prohibited}, {@code connect failed},
 * {@code unknown channel type}, {@code resource shortage}.
 */
public final class ChannelOpenFailure {
    private ChannelOpenFailure() {}

    /** The RFC 4254 section 5.1 name of reason {@code code}, or {@code "reason N"} for another value. */
    public static String reasonName(int code) {
        return switch (code) {
            case SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED -> "administratively prohibited";
            case SshConstants.SSH_OPEN_CONNECT_FAILED -> "connect failed";
            case SshConstants.SSH_OPEN_UNKNOWN_CHANNEL_TYPE -> "unknown channel type";
            case SshConstants.SSH_OPEN_RESOURCE_SHORTAGE -> "resource shortage";
            default -> "reason " + Integer.toUnsignedString(code);
        };
    }

    /** Whether {@code failure} is the node's refusal to open a channel (as opposed to a broken connection). */
    public static boolean isRefusal(Throwable failure) {
        return failure instanceof SshChannelOpenException;
    }

    /**
     * The failure to open {@code what} (such as {@code "a session channel"}) on {@code node}, at stage
     * {@link UpstreamStage#CHANNEL_OPEN}: with the node's reason and description when it refused
     * (as {@code ssh} shows {@code open failed: administratively prohibited: open failed}).
     */
    public static UpstreamException of(Node node, String what, Throwable failure) {
        String said = null;
        if (failure instanceof SshChannelOpenException refused) {
            String description = refused.getMessage() == null ? "" : refused.getMessage().strip();
            if (description.length() > ConnectProgress.MAX_NODE_TEXT) {
                description = description.substring(0, ConnectProgress.MAX_NODE_TEXT) + "...";
            }
            said = reasonName(refused.getReasonCode()) + (description.isEmpty() ? "" : ": " + description);
        }
        String message = "node '" + node.name() + "' refused to open " + what + ": "
                + (said != null ? said : failure == null || failure.getMessage() == null ? "connection lost" : failure.getMessage());
        return new UpstreamException(UpstreamStage.CHANNEL_OPEN, message, said, failure);
    }
}
