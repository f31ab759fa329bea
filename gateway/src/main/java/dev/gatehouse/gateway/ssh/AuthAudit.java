package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.AuditBudget;
import dev.gatehouse.gateway.session.AuthThrottle;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.SourceKey;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.recorder.AuditEvent;
import java.io.IOException;
import java.security.PublicKey;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the authentication events (R13, R27) and counts failures where they belong (R24, R30):
 * every failure against the connection ({@code ssh.max_auth_attempts}, then disconnect, as
 * OpenSSH's MaxAuthTries counts refused queries too); signed requests refused and signatures that
 * do not verify also against the source's failures, refused key queries against the source's
 * separate, larger query allowance (a query proves nothing and guesses nothing: OpenSSH clients
 * ask about every agent key in turn). TOTP failures count against the person in
 * {@link dev.gatehouse.gateway.access.SecondFactor}.
 *
 * <p>Events about a client that has proven nothing name no user and go through the source's
 * {@link AuditBudget}, because they cost the client nothing to cause. Only a verified signature
 * makes an event name a user. The SSH user name is stored as the client sent it: every view
 * escapes it ({@link dev.gatehouse.gateway.shell.Views}), and JSON keeps it exact.
 *
 * <p>Event types: {@code auth.query} (a key query answered with PK_OK), {@code auth.failure}
 * (a refused key, query or signed, or a signature that does not verify; {@code request} says which),
 * {@code auth.throttled}, {@code auth.partial} (signature verified, second factor pending),
 * {@code auth.totp}, {@code auth.success} (the connection is authenticated), {@code connection.refused}.
 */
final class AuthAudit {
    private static final Logger LOG = LoggerFactory.getLogger(AuthAudit.class);

    private final GatewayServices services;
    private final AuthThrottle<SourceKey> sourceFailures;
    private final AuthThrottle<SourceKey> refusedQueries;
    private final AuditBudget budget;

    AuthAudit(GatewayServices services, AuthThrottle<SourceKey> sourceFailures, AuthThrottle<SourceKey> refusedQueries,
            AuditBudget budget) {
        this.services = services;
        this.sourceFailures = sourceFailures;
        this.refusedQueries = refusedQueries;
        this.budget = budget;
    }

    /** A key query answered with PK_OK: the client only showed a public key, so no user is named. */
    void queryAccepted(Session session, String sshUser, PublicKey key) {
        unproven(session, event(EventType.AUTH_QUERY, "accepted", session, sshUser).with("key", fingerprint(key)).with("request", "query"));
    }

    /** A key refused before any signature was looked at, or an attempt from a throttled source. */
    void keyRefused(Session session, String sshUser, boolean signed, PublicKey key, KeyAuthenticator.Verdict verdict) {
        AuditEvent event = event(verdict.throttled() ? EventType.AUTH_THROTTLED : EventType.AUTH_FAILURE, "failure", session, sshUser)
                .with("key", fingerprint(key)).with("reason", verdict.refusal()).with("request", signed ? "signed" : "query");
        if (!verdict.throttled()) {
            countAgainstSource(session, signed);
        }
        unproven(session, event);
        countFailure(session);
    }

    /** An accepted key whose request MINA then refused: a signature that does not verify, or a malformed request. */
    void requestRejected(Session session, String sshUser, boolean signed, PublicKey key, String reason) {
        countAgainstSource(session, signed);
        unproven(session, event(EventType.AUTH_FAILURE, "failure", session, sshUser)
                .with("key", fingerprint(key)).with("reason", reason).with("request", signed ? "signed" : "query"));
        countFailure(session);
    }

    /** A verified signature by {@code otherUser}'s key on a connection whose identity is already {@code established}. */
    void identityConflict(Session session, String sshUser, Identity established, String otherUser, PublicKey key) {
        services.audit().append(event(EventType.AUTH_FAILURE, "failure", session, sshUser).withUser(established.user())
                .with("key", fingerprint(key)).with("key_owner", otherUser).with("request", "signed")
                .with("reason", "a signature by another person's key on a connection already authenticated as "
                        + established.user() + "; the identity stays " + established.user()));
        countFailure(session);
    }

    /** Signature verified; the connection goes on to the second factor (RFC 4252 partial success). */
    void partial(Session session, String sshUser, Identity identity) {
        services.audit().append(event(EventType.AUTH_PARTIAL, "partial", session, sshUser).withUser(identity.user())
                .with("key", identity.keyFingerprint()).with("next", "keyboard-interactive"));
    }

    /** The connection is authenticated as {@code identity} by {@code methods}. */
    void success(Session session, String sshUser, Identity identity, String methods) {
        services.audit().append(event(EventType.AUTH_SUCCESS, "success", session, sshUser).withUser(identity.user())
                .with("key", identity.keyFingerprint()).with("methods", methods));
    }

    /** A TOTP answer by {@code identity}: accepted for {@code step}, or refused for {@code reason}. */
    void totp(Session session, String sshUser, Identity identity, OptionalLong step, String reason) {
        services.audit().append(event(EventType.AUTH_TOTP, step.isPresent() ? "success" : "failure", session, sshUser)
                .withUser(identity.user()).with("step", step.isPresent() ? step.getAsLong() : null).with("reason", reason));
        if (step.isEmpty()) {
            countFailure(session);
        }
    }

    /** A connection closed before authentication, for {@code reason}. */
    void connectionRefused(Session session, String reason) {
        unproven(session, services.audit().event(EventType.CONNECTION_REFUSED, "denied")
                .withSource(SessionAttributes.address(session)).with("reason", reason));
    }

    /**
     * Counts a failure against the connection; at {@code ssh.max_auth_attempts} the client is
     * disconnected, as OpenSSH's MaxAuthTries does.
     */
    void countFailure(Session session) {
        AtomicInteger failures = session.computeAttributeIfAbsent(SessionAttributes.FAILURES, k -> new AtomicInteger());
        if (failures.incrementAndGet() >= services.config().ssh().maxAuthAttempts()) {
            LOG.info("disconnecting {}: too many authentication failures", SessionAttributes.address(session));
            try {
                session.disconnect(SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, "Too many authentication failures");
            } catch (IOException e) {
                session.close(true);
            }
        }
    }

    /** A refused signed request is a guess at a credential; a refused query is only a question. */
    private void countAgainstSource(Session session, boolean signed) {
        (signed ? sourceFailures : refusedQueries).recordFailure(SessionAttributes.source(session));
    }

    private void unproven(Session session, AuditEvent event) {
        budget.append(SessionAttributes.source(session), event);
    }

    private AuditEvent event(EventType type, String outcome, Session session, String sshUser) {
        return services.audit().event(type, outcome).withSource(SessionAttributes.address(session))
                .with("ssh_user", sshUser);
    }

    private static String fingerprint(PublicKey key) {
        return key == null ? null : SshKeys.fingerprint(key);
    }
}
