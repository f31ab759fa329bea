package dev.gatehouse.gateway.ssh.upstream;

import dev.gatehouse.policy.Node;
import java.util.Optional;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;

/**
 * An SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 section 5.1): a reason code and a description. The one
 * description of these failures in the gateway, for both sides: what a node answered to the
 * gateway's channel open ({@link #from}, {@link #upstream}), and what the gateway answers to the
 * client's ({@code ChannelLimit} puts it on the wire). Its {@link #text()} is the form OpenSSH
 * prints after {@code open failed:}, such as {@code connect failed: Connection refused}.
 *
 * @param reasonCode the RFC 4254 section 5.1 reason code (uint32 on the wire)
 * @param description the human-readable description, possibly empty
 */
public record ChannelOpenFailure(int reasonCode, String description) {
    public ChannelOpenFailure {
        description = description == null ? "" : description;
    }

    /** The RFC 4254 section 5.1 name of this failure's reason code. */
    public String reasonName() {
        return reasonName(reasonCode);
    }

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

    /** {@code REASON: DESCRIPTION} (or {@code REASON} alone), as OpenSSH prints a failed open. */
    public String text() {
        return reasonName() + (description.isEmpty() ? "" : ": " + description);
    }

    /** The exception that fails a channel's open future with this failure (MINA reads its reason code). */
    public SshChannelOpenException exception(long channelId) {
        return new SshChannelOpenException(channelId, reasonCode, description);
    }

    /** The node's refusal inside {@code failure}, its description trimmed to {@value ConnectProgress#MAX_NODE_TEXT} characters; empty for anything else. */
    public static Optional<ChannelOpenFailure> from(Throwable failure) {
        if (!(failure instanceof SshChannelOpenException refused)) {
            return Optional.empty();
        }
        String description = refused.getMessage() == null ? "" : refused.getMessage().strip();
        if (description.length() > ConnectProgress.MAX_NODE_TEXT) {
            description = description.substring(0, ConnectProgress.MAX_NODE_TEXT) + "...";
        }
        return Optional.of(new ChannelOpenFailure(refused.getReasonCode(), description));
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
    public static UpstreamException upstream(Node node, String what, Throwable failure) {
        String said = from(failure).map(ChannelOpenFailure::text).orElse(null);
        String message = "node '" + node.name() + "' refused to open " + what + ": "
                + (said != null ? said : failure == null || failure.getMessage() == null ? "connection lost" : failure.getMessage());
        return new UpstreamException(UpstreamStage.CHANNEL_OPEN, message, said, failure);
    }
}
