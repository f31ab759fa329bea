package dev.gatehouse.gateway.ssh;

import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * Unix-socket forwarding stays off (R20), and every attempt is a {@code forward.refused} event
 * naming the socket, like the TCP forwards {@link ForwardingRefusal} turns down. OpenSSH
 * PROTOCOL section 2.4: {@code direct-streamlocal@openssh.com} channels ({@code ssh -L
 * /local.sock:/remote.sock}) are refused with reason code 1 ({@code administratively
 * prohibited}); {@code streamlocal-forward@openssh.com} and its cancel global requests ({@code ssh
 * -R} of a socket) get SSH_MSG_REQUEST_FAILURE. MINA would turn both down without a word to the
 * audit log, since it knows neither.
 */
final class StreamLocalRefusal {
    /** Longest socket path kept in the event; a client chooses it, so it is cut, not stored whole. */
    static final int MAX_PATH = 256;
    private static final String REASON = "Unix-socket forwarding is not allowed through the gateway";

    private StreamLocalRefusal() {}

    static String path(String requested) {
        return dev.gatehouse.policy.Printable.shorten(requested, MAX_PATH);
    }

    /** Serves {@code direct-streamlocal@openssh.com}: every open is refused and audited. */
    static final class ChannelRefusal implements ChannelFactory {
        private final ForwardingRefusal forwarding;

        ChannelRefusal(ForwardingRefusal forwarding) {
            this.forwarding = forwarding;
        }

        @Override
        public String getName() {
            return "direct-streamlocal@openssh.com";
        }

        @Override
        public Channel createChannel(Session session) {
            return new Refused(forwarding);
        }
    }

    /** A channel that never opens: its open is audited and answered with the reason. */
    private static final class Refused extends RefusableChannel {
        private final ForwardingRefusal forwarding;

        Refused(ForwardingRefusal forwarding) {
            this.forwarding = forwarding;
        }

        @Override
        protected OpenFuture doInit(Buffer buffer) {
            String socket = buffer.getString(); // then a reserved string and uint32, unused
            forwarding.refuse(getSession(), "streamlocal-direct", path(socket));
            return refuseOpen(new DefaultOpenFuture(this, this), SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, REASON);
        }

        @Override
        protected void doWriteData(byte[] data, int off, long len) {
            throw new IllegalStateException("a refused channel takes no data");
        }

        @Override
        protected void doWriteExtendedData(byte[] data, int off, long len) {
            throw new IllegalStateException("a refused channel takes no data");
        }
    }

    /** Answers {@code streamlocal-forward@openssh.com} and its cancel with a failure, audited. */
    static final class RequestRefusal implements RequestHandler<ConnectionService> {
        private final ForwardingRefusal forwarding;

        RequestRefusal(ForwardingRefusal forwarding) {
            this.forwarding = forwarding;
        }

        @Override
        public Result process(ConnectionService connection, String request, boolean wantReply, Buffer buffer) {
            if (!"streamlocal-forward@openssh.com".equals(request) && !"cancel-streamlocal-forward@openssh.com".equals(request)) {
                return Result.Unsupported;
            }
            forwarding.refuse(connection.getSession(), "streamlocal-remote", path(buffer.getString()));
            return Result.ReplyFailure;
        }
    }
}
