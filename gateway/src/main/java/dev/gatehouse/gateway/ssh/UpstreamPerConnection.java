package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.pki.CertificateRefusedException;
import dev.gatehouse.pki.CertificateRequest;
import dev.gatehouse.pki.IssuedCertificate;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.recorder.AccessLog;
import java.security.KeyPair;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.server.session.ServerSession;

/**
 * One upstream connection per client connection for its forwards, opened by the first forward
 * and reused by the next ones while it stays open; closed with the client connection. Its
 * certificate's only extension is {@code permit-port-forwarding} (DESIGN.md invariant 2: no
 * {@code permit-*} the connection does not need), so it can open no shell, and sessions' own
 * certificates, which lack it, can forward nothing on the node.
 */
final class UpstreamPerConnection implements ForwardUpstream {
    /** The certificate extension that lets sshd honour {@code direct-tcpip} (PROTOCOL.certkeys). */
    static final String PERMIT_PORT_FORWARDING = "permit-port-forwarding";
    private static final AttributeKey<CompletableFuture<Connection>> CONNECTION = new AttributeKey<>();

    private final GatewayServices services;

    UpstreamPerConnection(GatewayServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<Connection> connection(ServerSession client, ForwardGate.Allowed allowed) {
        CompletableFuture<Connection> mine;
        synchronized (client) {
            CompletableFuture<Connection> existing = client.getAttribute(CONNECTION);
            if (existing != null && usable(existing)) {
                return existing;
            }
            mine = new CompletableFuture<>();
            client.setAttribute(CONNECTION, mine);
        }
        connect(client, allowed, mine);
        return mine;
    }

    /** Pending, or open; a failed or closed one is replaced. */
    private static boolean usable(CompletableFuture<Connection> f) {
        if (!f.isDone()) {
            return true;
        }
        if (f.isCompletedExceptionally()) {
            return false;
        }
        return f.join().session().isOpen();
    }

    private void connect(ServerSession client, ForwardGate.Allowed a, CompletableFuture<Connection> result) {
        KeyPair ephemeral = SshKeys.generateEd25519();
        IssuedCertificate cert;
        try {
            cert = services.policy().current().ca().issue(new CertificateRequest(
                    ephemeral.getPublic(),
                    List.of(a.login()),
                    "user=" + a.identity().user() + ";session=" + a.id() + ";forward"
                            + (a.decision().viaGrant() ? ";grant=" + a.decision().grantId() : ""),
                    services.config().certificates().ttl(),
                    Optional.ofNullable(a.decision().grantEnd()),
                    services.config().certificates().sourceAddresses(),
                    Set.of(PERMIT_PORT_FORWARDING)));
        } catch (CertificateRefusedException e) {
            result.completeExceptionally(e);
            return;
        }
        if (a.decision().viaGrant()) {
            try {
                services.access().log().recordIssued(new AccessLog.IssuedRow(a.decision().grantId(), cert.serial(), a.id(),
                        cert.validBefore(), a.start()));
            } catch (RuntimeException e) {
                result.completeExceptionally(new IllegalStateException(
                        "the audit store is unavailable; new forwards are refused until it recovers", e));
                return;
            }
        }
        services.audit().append(services.audit().event("cert.issued", "success")
                .withSource(a.identity().source()).withUser(a.identity().user()).withTarget(a.node().name(), a.login())
                .withCertSerial(cert.serial()).withSessionId(a.id()).withGrantId(a.decision().grantId())
                .with("key_id", cert.keyId())
                .with("principals", String.join(",", cert.principals()))
                .with("valid_after", cert.validAfter())
                .with("valid_before", cert.validBefore())
                .with("extensions", PERMIT_PORT_FORWARDING));
        services.upstream().connect(a.node(), a.login(), new KeyPair(cert.certificate(), ephemeral.getPrivate()))
                .whenComplete((session, failure) -> {
                    if (failure != null) {
                        result.completeExceptionally(failure);
                        return;
                    }
                    result.complete(new Connection(session, cert.serial()));
                    // the client connection owns it: it goes when the client goes
                    client.addCloseFutureListener(f -> session.close(true));
                    if (client.isClosing() || !client.isOpen()) {
                        session.close(true);
                    }
                });
    }
}
