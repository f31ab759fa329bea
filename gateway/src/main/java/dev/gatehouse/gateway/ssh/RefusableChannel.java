package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.ssh.upstream.ChannelOpenFailure;
import java.util.Collections;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.server.channel.AbstractServerChannel;

/**
 * A server channel that may refuse its own open with a reason of ours: SSH_MSG_CHANNEL_OPEN_FAILURE
 * with the RFC 4254 section 5.1 reason code and {@code gatehouse: WHY} as the description, which
 * OpenSSH prints ({@code channel 2: open failed: administratively prohibited: gatehouse: ...}),
 * instead of MINA's generic text ({@link ChannelLimit} puts it on the wire).
 */
abstract class RefusableChannel extends AbstractServerChannel {
    RefusableChannel() {
        super("", Collections.emptyList(), null);
    }

    /** Fails {@code f} (the open being answered) with {@code code} and {@code gatehouse: reason}, and closes. */
    protected final OpenFuture refuseOpen(OpenFuture f, int code, String reason) {
        ChannelOpenFailure failure = new ChannelOpenFailure(code, "gatehouse: " + reason);
        if (service instanceof ChannelLimit connection) {
            connection.answerOpenFailure(getRecipient(), failure);
        }
        SshChannelOpenException e = failure.exception(getChannelId());
        signalChannelOpenFailure(e);
        f.setException(e);
        close(true);
        return f;
    }
}
