package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.Identity;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.apache.sshd.server.forward.TcpForwardingFilter;

/**
 * Agent, X11 and remote TCP forwarding are off (R20): every attempt is refused and recorded with
 * who asked and for what, so an auditor sees tunnelling attempts. Local forwarding
 * ({@code direct-tcpip}) never reaches this filter: {@link ForwardChannel} decides it by policy.
 */
final class ForwardingRefusal implements ForwardingFilter {
    private final AuditTrail audit;

    ForwardingRefusal(AuditTrail audit) {
        this.audit = audit;
    }

    @Override
    public boolean canForwardAgent(Session session, String requestType) {
        return refuse(session, "agent", requestType);
    }

    @Override
    public boolean canForwardX11(Session session, String requestType) {
        return refuse(session, "x11", requestType);
    }

    @Override
    public boolean canListen(SshdSocketAddress address, Session session) {
        return refuse(session, "remote-tcp", String.valueOf(address));
    }

    @Override
    public boolean canConnect(TcpForwardingFilter.Type type, SshdSocketAddress address, Session session) {
        return refuse(session, "tcp-" + type.getName(), String.valueOf(address));
    }

    boolean refuse(Session session, String kind, String what) {
        Identity identity = session.getAttribute(SessionAttributes.IDENTITY);
        audit.append(audit.event(EventType.FORWARD_REFUSED, "denied")
                .withSource(identity != null ? identity.source() : SessionAttributes.address(session))
                .withUser(identity != null ? identity.user() : null)
                .with("forward", kind)
                .with("request", what)
                .with("ssh_user", session.getUsername()));
        return false;
    }
}
