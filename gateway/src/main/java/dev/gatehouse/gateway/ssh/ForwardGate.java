package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.config.HostPort;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionIds;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.ForwardTarget;
import dev.gatehouse.policy.Node;
import dev.gatehouse.policy.Printable;
import dev.gatehouse.policy.Target;
import java.time.Instant;
import java.util.Optional;
import org.apache.sshd.server.session.ServerSession;

/**
 * Decides one {@code direct-tcpip} channel open (RFC 4254 section 7.2) on a client connection:
 * allowed only on a {@code LOGIN@NODE} connection, to the node's loopback, on a port a role of the
 * user lists, while the login itself is allowed ({@link dev.gatehouse.policy.PolicyEvaluator#decideForward})
 * and the audit store takes writes. Every refusal is a {@code forward.refused} event with the
 * reason, which is also what the client is told.
 */
final class ForwardGate {
    /** Longest destination or originator text kept in an event: the client chooses them. */
    static final int MAX_TEXT = 256;
    /** What the gate decided. */
    sealed interface Verdict permits Allowed, Refused {}

    /**
     * A forward that may open, with everything its events and the registry need.
     *
     * @param host the destination as the client sent it
     * @param address the node-side loopback address to open ({@link ForwardTarget#loopback})
     */
    record Allowed(String id, Identity identity, Node node, String login, String host, String address, int port,
            String originator, Decision decision, String userTenant, Instant start, PolicyHolder.Snapshot snapshot)
            implements Verdict, FactsSession.Facts {
        @Override
        public String grantId() {
            return decision.grantId();
        }

        @Override
        public Instant grantEnd() {
            return decision.grantEnd();
        }

        @Override
        public String kindName() {
            return LiveForward.KIND;
        }

        /** The destination as the node's sshd is asked to open it: {@code 127.0.0.1:8888}, {@code [::1]:8888}. */
        String destination() {
            return HostPort.format(address, port);
        }
    }

    /** @param reason one line for the client and the audit log, without prefix */
    record Refused(String reason) implements Verdict {}

    private final SessionPath path;

    ForwardGate(SessionPath path) {
        this.path = path;
    }

    /**
     * @param host the destination host as the client sent it
     * @param port the destination port as the client sent it
     * @param originator the client's {@code originator address:port}, as it sent it (not checked)
     */
    Verdict decide(ServerSession session, String host, int port, String originator) {
        Identity identity = session.getAttribute(SessionAttributes.IDENTITY);
        String sshUser = session.getUsername();
        String reason;
        Allowed allowed = null;
        Optional<Target> target = Optional.empty();
        String malformed = null;
        try {
            target = sshUser == null || sshUser.indexOf('@') < 0 ? Optional.empty() : Target.parse(sshUser);
        } catch (IllegalArgumentException e) {
            malformed = e.getMessage();
        }
        if (identity == null) {
            reason = "not authenticated";
        } else if (malformed != null) {
            reason = malformed;
        } else if (target.isEmpty()) {
            reason = "a gateway shell connection forwards nothing; connect as LOGIN@NODE to forward to that node's loopback";
        } else {
            // the connection's one verdict (from authentication on) for the login, then the port
            AccessJudge.Verdict verdict = path.verdict(session, identity, target.get());
            PolicyHolder.Snapshot snapshot = verdict.snapshot();
            Instant now = path.clock().instant();
            Decision decision = verdict.allowed() ? snapshot.evaluator().decideForward(identity.user(), target.get().login(),
                    target.get().node(), host, port, verdict.access(), now) : null;
            if (!verdict.allowed()) {
                reason = verdict.refusal();
            } else if (!decision.allowed()) {
                reason = decision.reason();
            } else if (verdict.secondFactor() && !TotpAuth.passed(session)) {
                reason = "this elevated login needs a TOTP code; connect with a terminal that can answer the prompt";
            } else if (!path.audit().acceptingSessions()) {
                reason = AuditTrail.refusedWhileDown("forwards");
            } else {
                reason = null;
                Node node = snapshot.policy().node(target.get().node()).orElseThrow();
                String userTenant = snapshot.policy().user(identity.user()).flatMap(u -> u.tenant()).orElse(null);
                allowed = new Allowed(SessionIds.next(path.clock()), identity, node, target.get().login(), host,
                        ForwardTarget.loopback(host).orElseThrow(), port, originator, decision, userTenant, now, snapshot);
            }
        }
        if (reason != null) {
            path.audit().append(path.audit().event(EventType.FORWARD_REFUSED, "denied")
                    .withSource(identity != null ? identity.source() : SessionAttributes.address(session))
                    .withUser(identity != null ? identity.user() : null)
                    .withTarget(target.map(Target::node).orElse(null), target.map(Target::login).orElse(null))
                    .with("forward", "tcp-direct-tcpip")
                    .with("request", Printable.shorten(HostPort.format(host, port), MAX_TEXT))
                    .with("host", Printable.shorten(host, MAX_TEXT))
                    .with("port", port)
                    .with("originator", Printable.shorten(originator, MAX_TEXT))
                    .with("reason", reason)
                    .with("ssh_user", sshUser));
            return new Refused(reason);
        }
        return allowed;
    }
}
