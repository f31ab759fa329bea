package dev.gatehouse.gateway.ssh;

import java.io.IOException;
import java.util.Map;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.PtyMode;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * A server session channel that keeps what a faithful bridge needs and MINA would drop: the raw
 * pty request (pixel sizes too), window changes as they arrive, signal and break requests by
 * name, and an exit by signal. Environment requests pass an allow-list ({@code LANG}, {@code LC_*},
 * {@code TERM}); anything else is refused, as OpenSSH's {@code AcceptEnv} would.
 */
final class GatewayChannelSession extends ChannelSession {

    /** The pty-req as the client sent it. */
    record PtyRequest(String term, int cols, int rows, int widthPx, int heightPx, Map<PtyMode, Integer> modes) {}

    /** Receives requests that must be forwarded upstream while the command runs. */
    interface RequestListener {
        void windowChange(int cols, int rows, int widthPx, int heightPx);

        void signal(String name);

        void breakRequest(long millis);
    }

    private final ForwardingRefusal forwarding;
    private volatile PtyRequest pty;
    private volatile RequestListener listener;

    GatewayChannelSession(ForwardingRefusal forwarding) {
        this.forwarding = forwarding;
    }

    static boolean allowedEnv(String name) {
        return name.equals("LANG") || name.equals("TERM") || (name.startsWith("LC_") && name.length() > 3
                && name.chars().allMatch(c -> c == '_' || (c >= 'A' && c <= 'Z')));
    }

    PtyRequest pty() {
        return pty;
    }

    void setRequestListener(RequestListener value) {
        listener = value;
    }

    @Override
    protected RequestHandler.Result handleEnvParsed(String name, String value) throws IOException {
        if (!allowedEnv(name)) {
            return RequestHandler.Result.ReplyFailure;
        }
        return super.handleEnvParsed(name, value);
    }

    /**
     * MINA turns agent requests down before consulting the forwarding filter when no agent factory
     * is set, which would leave the attempt unaudited; refuse and record it here (R20).
     */
    @Override
    protected RequestHandler.Result handleAgentForwarding(String requestType, Buffer buffer, boolean wantReply) {
        forwarding.canForwardAgent(getSession(), requestType);
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handlePtyReqParsed(String term, int cols, int rows, int width, int height,
            Map<PtyMode, Integer> modes) throws IOException {
        pty = new PtyRequest(term, cols, rows, width, height, Map.copyOf(modes));
        return super.handlePtyReqParsed(term, cols, rows, width, height, modes);
    }

    @Override
    protected RequestHandler.Result handleWindowChangeParsed(int cols, int rows, int width, int height) throws IOException {
        RequestListener l = listener;
        if (l != null) {
            l.windowChange(cols, rows, width, height);
        }
        return super.handleWindowChangeParsed(cols, rows, width, height);
    }

    @Override
    protected RequestHandler.Result handleSignalParsed(String name) throws IOException {
        RequestListener l = listener;
        if (l != null) {
            l.signal(name);
            return RequestHandler.Result.ReplySuccess;
        }
        return super.handleSignalParsed(name);
    }

    @Override
    protected RequestHandler.Result handleBreakParsed(long millis) throws IOException {
        RequestListener l = listener;
        if (l != null) {
            l.breakRequest(millis);
            return RequestHandler.Result.ReplySuccess;
        }
        return super.handleBreakParsed(millis);
    }

    /**
     * Ends the channel the way sshd does when the command died of a signal: EOF, {@code exit-signal}
     * (RFC 4254 6.10), close, and no {@code exit-status}.
     */
    void exitWithSignal(String signal, boolean coreDumped, String message) throws IOException {
        if (isClosing()) {
            return;
        }
        sendEof();
        Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 64);
        buffer.putUInt(getRecipient());
        buffer.putString("exit-signal");
        buffer.putBoolean(false);
        buffer.putString(signal);
        buffer.putBoolean(coreDumped);
        buffer.putString(message == null ? "" : message);
        buffer.putString("");
        writePacket(buffer);
        commandExitFuture.setClosed();
        close(false);
    }

    /** Registered with the server in place of MINA's session channel factory. */
    static final class Factory extends org.apache.sshd.server.channel.ChannelSessionFactory {
        private final ForwardingRefusal forwarding;

        Factory(ForwardingRefusal forwarding) {
            this.forwarding = forwarding;
        }

        @Override
        public org.apache.sshd.common.channel.Channel createChannel(org.apache.sshd.common.session.Session session) {
            return new GatewayChannelSession(forwarding);
        }
    }
}
