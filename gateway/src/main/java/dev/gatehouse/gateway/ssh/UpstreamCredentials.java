package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.ssh.upstream.UpstreamPool;
import dev.gatehouse.pki.CertificateRefusedException;
import dev.gatehouse.pki.CertificateRequest;
import dev.gatehouse.pki.IssuedCertificate;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Node;
import dev.gatehouse.recorder.AccessLog;
import dev.gatehouse.recorder.StoreUnavailableException;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * The one way a certificate for a new upstream connection is minted, for sessions and forwards
 * alike: an ephemeral Ed25519 key, principal {@code login}, key id
 * {@code user=U;session=S[;grant=G]} naming the session or forward that caused the connection,
 * exactly the given extensions (OpenSSH PROTOCOL.certkeys: {@code permit-pty},
 * {@code permit-port-forwarding}), recorded with its grant (R02) off the I/O thread and audited
 * once as {@code cert.issued}. Called by {@link UpstreamPool} only when a connection is made.
 */
final class UpstreamCredentials {
    private UpstreamCredentials() {}

    /**
     * @param causeId the id of the session or forward that needs the new connection
     * @throws CertificateRefusedException when the CA refuses the principal
     */
    static UpstreamPool.Credential mint(SessionPath path, PolicyHolder.Snapshot snapshot, Identity identity, String causeId,
            String login, Decision decision, Node node, Set<String> extensions) throws CertificateRefusedException {
        KeyPair ephemeral = SshKeys.generateEd25519();
        Instant now = path.clock().instant();
        IssuedCertificate cert = snapshot.ca().issue(new CertificateRequest(
                ephemeral.getPublic(),
                List.of(login),
                "user=" + identity.user() + ";session=" + causeId + (decision.viaGrant() ? ";grant=" + decision.grantId() : ""),
                path.certificates().ttl(),
                Optional.ofNullable(decision.grantEnd()),
                path.certificates().sourceAddresses(),
                extensions));
        CompletableFuture<?> ready = CompletableFuture.completedFuture(null);
        if (decision.viaGrant()) {
            // an elevated certificate must be on record with its grant before the node sees it (R02,
            // fail closed): a synchronous store write, so on a pool thread, never on an I/O thread
            AccessLog.IssuedRow row = new AccessLog.IssuedRow(decision.grantId(), cert.serial(), causeId, cert.validBefore(), now);
            try {
                ready = CompletableFuture.runAsync(() -> path.issued().recordIssued(row), path.storeWrites());
            } catch (RejectedExecutionException e) {
                ready = CompletableFuture.failedFuture(new StoreUnavailableException("the gateway is too busy to record the certificate"));
            }
        }
        path.audit().append(path.audit().event(EventType.CERT_ISSUED, "success")
                .withSource(identity.source())
                .withUser(identity.user())
                .withTarget(node.name(), login)
                .withCertSerial(cert.serial())
                .withSessionId(causeId)
                .withGrantId(decision.grantId())
                .with("key_id", cert.keyId())
                .with("principals", String.join(",", cert.principals()))
                .with("valid_after", cert.validAfter())
                .with("valid_before", cert.validBefore())
                .with("extensions", String.join(",", new TreeSet<>(extensions))));
        return new UpstreamPool.Credential(cert, new KeyPair(cert.certificate(), ephemeral.getPrivate()), ready);
    }
}
