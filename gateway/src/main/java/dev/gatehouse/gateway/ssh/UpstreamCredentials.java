package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.session.AuditTrail;
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
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The one way a certificate for a new upstream connection is minted, for sessions and forwards
 * alike: an ephemeral Ed25519 key, principal {@code login}, key id
 * {@code user=U;session=S[;grant=G]} naming the session or forward that caused the connection,
 * exactly the given extensions (OpenSSH PROTOCOL.certkeys: {@code permit-pty},
 * {@code permit-port-forwarding}), recorded with its grant (R02) off the I/O thread and audited
 * once as {@code cert.issued}. Called by {@link UpstreamPool} only when a connection is made, and
 * by the app tunnels of the HTTPS path ({@code dev.gatehouse.gateway.web.upstream}) through
 * {@link #mint(Minting, PolicyHolder.Snapshot, Identity, String, String, Decision, Node, Set)}.
 */
public final class UpstreamCredentials {
    private UpstreamCredentials() {}

    /**
     * What minting needs besides the request itself, for callers outside the session path.
     *
     * @param clock time of the certificate's validity and of the store row
     * @param certificates lifetime and {@code source-address} CIDRs of minted certificates
     * @param issued where an elevated certificate is recorded with its grant (R02)
     * @param storeWrites runs that synchronous store write, never on an I/O thread
     * @param audit where {@code cert.issued} goes
     */
    public record Minting(Clock clock, GatewayConfig.Certificates certificates, AccessLog issued, Executor storeWrites,
            AuditTrail audit) {}

    static UpstreamPool.Credential mint(SessionPath path, PolicyHolder.Snapshot snapshot, Identity identity, String causeId,
            String login, Decision decision, Node node, Set<String> extensions) throws CertificateRefusedException {
        return mint(new Minting(path.clock(), path.certificates(), path.issued(), path.storeWrites(), path.audit()),
                snapshot, identity, causeId, login, decision, node, extensions);
    }

    /**
     * Mints the certificate of one new upstream connection to {@code node} as {@code login}.
     *
     * @param causeId the id of the session, forward or app session that needs the new connection
     *     (the {@code session=} of the key id)
     * @return the certificate and key pair; its {@code ready} future completes when the node may
     *     see it, or fails with a {@link StoreUnavailableException} when an elevated certificate
     *     could not be recorded with its grant
     * @throws CertificateRefusedException when the CA refuses the principal
     */
    public static UpstreamPool.Credential mint(Minting minting, PolicyHolder.Snapshot snapshot, Identity identity, String causeId,
            String login, Decision decision, Node node, Set<String> extensions) throws CertificateRefusedException {
        KeyPair ephemeral = SshKeys.generateEd25519();
        Instant now = minting.clock().instant();
        IssuedCertificate cert = snapshot.ca().issue(new CertificateRequest(
                ephemeral.getPublic(),
                List.of(login),
                "user=" + identity.user() + ";session=" + causeId + (decision.viaGrant() ? ";grant=" + decision.grantId() : ""),
                minting.certificates().ttl(),
                Optional.ofNullable(decision.grantEnd()),
                minting.certificates().sourceAddresses(),
                extensions));
        CompletableFuture<?> ready = CompletableFuture.completedFuture(null);
        if (decision.viaGrant()) {
            // an elevated certificate must be on record with its grant before the node sees it (R02,
            // fail closed): a synchronous store write, so on a pool thread, never on an I/O thread
            AccessLog.IssuedRow row = new AccessLog.IssuedRow(decision.grantId(), cert.serial(), causeId, cert.validBefore(), now);
            try {
                ready = CompletableFuture.runAsync(() -> minting.issued().recordIssued(row), minting.storeWrites());
            } catch (RejectedExecutionException e) {
                ready = CompletableFuture.failedFuture(new StoreUnavailableException("the gateway is too busy to record the certificate"));
            }
        }
        minting.audit().append(minting.audit().event(EventType.CERT_ISSUED, "success")
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
