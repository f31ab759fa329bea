package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.ssh.upstream.ChannelOpenFailure;
import java.io.IOException;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.session.AbstractServerSession;
import org.apache.sshd.server.session.ServerConnectionService;
import org.apache.sshd.server.session.ServerConnectionServiceFactory;

/**
 * Caps the channels open at once on one connection at MINA's
 * {@link CoreModuleProperties#MAX_CONCURRENT_CHANNELS} (R24: each channel is a gateway-shell
 * command or an upstream connection, and audit events). Past the cap the next SSH_MSG_CHANNEL_OPEN
 * is answered with SSH_MSG_CHANNEL_OPEN_FAILURE (resource shortage) and the connection goes on.
 *
 * <p>MINA enforces the property itself only when it registers the channel, where it throws, and
 * the exception closes the whole connection: every other channel of a ControlMaster user would
 * end with it. The check here runs first, so MINA's stays a backstop that is never reached.
 * Channel opens are handled one at a time per connection, so the count cannot race.
 */
final class ChannelLimit extends ServerConnectionService {
    private final AuditTrail audit;
    /** Only the first refusal of a connection is audited: each costs its sender one packet. */
    private boolean refusalRecorded;
    /**
     * Answers to channel opens being refused, by the client's channel id: MINA puts a generic
     * "Generic error while opening channel" on the wire whatever the refusal said.
     */
    private final java.util.Map<Long, ChannelOpenFailure> openFailures = new java.util.concurrent.ConcurrentHashMap<>();

    private ChannelLimit(AbstractServerSession session, AuditTrail audit) throws IOException {
        super(session);
        this.audit = audit;
    }

    /** The connection service of every connection, in place of MINA's. */
    static final class Factory extends ServerConnectionServiceFactory {
        private final AuditTrail audit;

        Factory(AuditTrail audit) {
            this.audit = audit;
        }

        @Override
        public org.apache.sshd.common.Service create(Session session) throws IOException {
            if (!(session instanceof AbstractServerSession server)) {
                throw new IllegalArgumentException("not a server session: " + session);
            }
            ChannelLimit service = new ChannelLimit(server, audit);
            service.addPortForwardingEventListenerManager(this);
            return service;
        }
    }

    /**
     * What to answer (RFC 4254 section 5.1) when the open of the client's channel {@code sender}
     * fails, in place of MINA's generic text; call before failing the open.
     */
    void answerOpenFailure(long sender, ChannelOpenFailure failure) {
        openFailures.put(sender, failure);
    }

    @Override
    protected org.apache.sshd.common.io.IoWriteFuture sendChannelOpenFailure(Buffer buffer, long sender, int reasonCode,
            String message, String lang) throws IOException {
        ChannelOpenFailure answer = openFailures.remove(sender);
        if (answer == null) {
            answer = new ChannelOpenFailure(reasonCode, message);
        }
        return send(buffer, sender, answer);
    }

    /** Puts {@code failure} on the wire, its description escaped: it may carry a node's or a client's words. */
    private org.apache.sshd.common.io.IoWriteFuture send(Buffer buffer, long sender, ChannelOpenFailure failure) throws IOException {
        String description = dev.gatehouse.gateway.shell.Views.terminalSafe(failure.description()).replace("\n", "\\n");
        return super.sendChannelOpenFailure(buffer, sender, failure.reasonCode(), description, "");
    }

    @Override
    protected void channelOpen(Buffer buffer) throws Exception {
        int max = CoreModuleProperties.MAX_CONCURRENT_CHANNELS.getRequired(this);
        int open = channels.size();
        if (open < max) {
            super.channelOpen(buffer);
            return;
        }
        Buffer peek = new ByteArrayBuffer(buffer.array(), buffer.rpos(), buffer.available(), true);
        String type = peek.getString();
        long sender = peek.getUInt();
        String reason = "at most " + max + " channels may be open at once on one connection; close one or connect again";
        if (!refusalRecorded) {
            refusalRecorded = true;
            Identity identity = getSession().getAttribute(SessionAttributes.IDENTITY);
            audit.append(audit.event(EventType.CHANNEL_REFUSED, "denied")
                    .withSource(identity != null ? identity.source() : SessionAttributes.address(getSession()))
                    .withUser(identity != null ? identity.user() : null)
                    .with("request", "channel-open").with("name", type).with("reason", reason)
                    .with("ssh_user", getSession().getUsername())
                    .with("note", "further refusals on this connection are not recorded"));
        }
        send(buffer, sender, new ChannelOpenFailure(SshConstants.SSH_OPEN_RESOURCE_SHORTAGE, "gatehouse: " + reason));
    }
}
