package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.balancer.ProxyHeader;
import dev.gatehouse.gateway.balancer.TrustedBalancers;
import dev.gatehouse.gateway.session.SourceKey;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.session.ServerProxyAcceptor;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ssh.proxy_protocol}: the PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1
 * and 2) a trusted load balancer writes before the client's SSH identification (RFC 4253 section 4.2).
 * MINA hands a {@link ServerProxyAcceptor} the connection's first bytes before it looks for the
 * identification line; the header is decoded by Netty's decoder ({@link ProxyHeader#parse}) and
 * the client address it names is kept as {@link SessionAttributes#CLIENT_ADDRESS}, which
 * {@link SessionAttributes#clientAddress} returns from then on.
 *
 * <p>A connection whose TCP peer is not trusted is closed as it is created ({@link #admitsPeer}),
 * before any byte is read (threat: a client writing a header that names someone else's address,
 * which would then stand in the audit record and dodge per-source limits). A trusted peer whose
 * first bytes are not a valid header is closed (MINA closes the session when the acceptor throws).
 * A LOCAL command (health checks) keeps the balancer's address.
 *
 * <p>MINA calls the acceptor again, with the same bytes from the start, while the identification
 * line after the header is incomplete; the header's length is kept so it is read once and skipped after.
 */
final class ProxyAcceptor implements ServerProxyAcceptor {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyAcceptor.class);
    /** The length of the header already read on this connection. */
    private static final AttributeKey<Integer> HEADER_LENGTH = new AttributeKey<>();

    private final TrustedBalancers trusted;
    private final AuthAudit audit;
    private final Consumer<Session> admitted;

    /**
     * @param trusted {@code ssh.proxy_protocol.from}
     * @param audit records refused connections ({@code connection_refused})
     * @param admitted told once per connection, when the client's address is known (the per-source count starts there)
     */
    ProxyAcceptor(TrustedBalancers trusted, AuthAudit audit, Consumer<Session> admitted) {
        this.trusted = trusted;
        this.audit = audit;
        this.admitted = admitted;
    }

    /**
     * Whether the TCP peer of a new connection may send a header; when not, the connection is
     * audited, logged and closed here.
     */
    boolean admitsPeer(Session session) {
        if (trusted.trusts(session.getIoSession().getRemoteAddress())) {
            return true;
        }
        LOG.warn("ssh connection from {} refused: not a load balancer trusted to send a PROXY header"
                + " (ssh.proxy_protocol.from: {})", session.getIoSession().getRemoteAddress(), trusted);
        audit.connectionRefused(session, "not a load balancer trusted to send a PROXY header (ssh.proxy_protocol.from)");
        session.close(true);
        return false;
    }

    @Override
    public boolean acceptServerProxyMetadata(ServerSession session, Buffer buffer) throws IOException {
        Integer known = session.getAttribute(HEADER_LENGTH);
        if (known != null) {
            buffer.rpos(buffer.rpos() + known);
            return true;
        }
        if (!trusted.trusts(session.getIoSession().getRemoteAddress())) {
            // admitsPeer closed it already; never read a header from such a peer even if bytes raced in
            throw new IOException("PROXY header from " + session.getIoSession().getRemoteAddress() + ", not a trusted balancer");
        }
        Optional<ProxyHeader.Parsed> parsed;
        try {
            parsed = ProxyHeader.parse(buffer.array(), buffer.rpos(), buffer.available());
        } catch (ProxyHeader.ProxyHeaderException e) {
            LOG.warn("ssh connection from balancer {} closed: no valid PROXY protocol header ({}); ssh.proxy_protocol"
                    + " requires one on every connection from {}", session.getIoSession().getRemoteAddress(), e.getMessage(), trusted);
            // the decoder quotes what it read, which is the client's when the balancer sent no header
            audit.connectionRefused(session, "no valid PROXY protocol header from the load balancer: "
                    + dev.gatehouse.policy.Printable.shorten(dev.gatehouse.policy.Printable.escape(e.getMessage()), 200));
            throw new IOException("no valid PROXY protocol header: " + e.getMessage(), e);
        }
        if (parsed.isEmpty()) {
            return false;
        }
        ProxyHeader.Parsed header = parsed.get();
        header.client().ifPresent(client -> session.setAttribute(SessionAttributes.CLIENT_ADDRESS, client));
        // whatever asked for the source before (a refusal) saw the balancer; from now on it is the client
        session.setAttribute(SessionAttributes.SOURCE, SourceKey.of(SessionAttributes.clientAddress(session)));
        session.setAttribute(HEADER_LENGTH, header.length());
        buffer.rpos(buffer.rpos() + header.length());
        LOG.debug("ssh connection from balancer {}: {}", session.getIoSession().getRemoteAddress(), header.description());
        admitted.accept(session);
        return true;
    }
}
