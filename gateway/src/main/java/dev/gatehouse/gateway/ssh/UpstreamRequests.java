package dev.gatehouse.gateway.ssh;

import java.io.IOException;
import java.util.function.Consumer;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.PtyCapableChannelSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes the client's channel requests on to the node's channel: window-change (RFC 4254 section
 * 6.7), signal (6.9) and break (RFC 4335). Until the node's channel runs ({@link #attach}), the
 * latest window change is kept and sent first, so a resize made while the node is still being
 * reached is not lost; signals and breaks have nothing to act on yet and are dropped, as sshd
 * drops them before a command starts.
 */
final class UpstreamRequests implements GatewayChannelSession.RequestListener {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamRequests.class);

    private final String sessionId;
    private ClientChannel channel;
    private RecordingTaps taps;
    private int[] pendingSize;

    UpstreamRequests(String sessionId) {
        this.sessionId = sessionId;
    }

    /** The node's channel runs: send the kept window change, then forward requests as they come. */
    synchronized void attach(ClientChannel ch, RecordingTaps recording) {
        channel = ch;
        taps = recording;
        int[] size = pendingSize;
        if (size != null) {
            pendingSize = null;
            windowChange(size[0], size[1], size[2], size[3]);
        }
    }

    /** Synchronized, so that a kept size and a newer one reach the node in the order they came. */
    @Override
    public synchronized void windowChange(int cols, int rows, int widthPx, int heightPx) {
        if (channel == null) {
            pendingSize = new int[] {cols, rows, widthPx, heightPx};
            return;
        }
        if (!(channel instanceof PtyCapableChannelSession pty)) {
            return;
        }
        taps.resize(cols, rows);
        try {
            pty.sendWindowChange(cols, rows, heightPx, widthPx);
        } catch (IOException e) {
            LOG.debug("session {}: window-change not forwarded: {}", sessionId, e.toString());
        }
    }

    @Override
    public void signal(String name) {
        send("signal", b -> b.putString(name));
    }

    @Override
    public void breakRequest(long millis) {
        send("break", b -> b.putUInt(millis));
    }

    /** MINA's client has no API for these requests: built as {@code sendWindowChange} builds its own. */
    private void send(String type, Consumer<Buffer> body) {
        ClientChannel ch;
        synchronized (this) {
            ch = channel;
        }
        if (ch == null || ch.isClosing()) {
            return;
        }
        try {
            Buffer buffer = ch.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 64);
            buffer.putUInt(ch.getRecipient());
            buffer.putString(type);
            buffer.putBoolean(false);
            body.accept(buffer);
            ch.writePacket(buffer);
        } catch (IOException e) {
            LOG.debug("session {}: {} not forwarded: {}", sessionId, type, e.toString());
        }
    }
}
