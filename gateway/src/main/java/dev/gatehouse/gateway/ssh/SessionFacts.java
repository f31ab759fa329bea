package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.pki.IssuedCertificate;
import dev.gatehouse.policy.Node;
import dev.gatehouse.recorder.AuditEvent;
import java.time.Clock;
import java.time.Instant;

/** The fixed facts of one bridged session, and the audit events they stamp. */
record SessionFacts(
        String id,
        Identity identity,
        Node node,
        String login,
        SessionBridge.Kind kind,
        String command,
        IssuedCertificate certificate,
        Instant start,
        Clock clock,
        String grantId,
        Instant grantEnd,
        String userTenant) implements FactsSession.Facts {

    @Override
    public String kindName() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The same session, now running under {@code cert} (a fresh upstream connection). */
    SessionFacts withCertificate(IssuedCertificate cert) {
        return new SessionFacts(id, identity, node, login, kind, command, cert, start, clock, grantId, grantEnd, userTenant);
    }

    /** An event about this session, carrying who, where, which certificate. */
    AuditEvent event(EventType type, String outcome) {
        return AuditEvent.of(type.wire(), clock.instant(), outcome)
                .withSource(identity.source())
                .withUser(identity.user())
                .withTarget(node.name(), login)
                .withCertSerial(certificate.serial())
                .withSessionId(id)
                .withGrantId(grantId);
    }
}
