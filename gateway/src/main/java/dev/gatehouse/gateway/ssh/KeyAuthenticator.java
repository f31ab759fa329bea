package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.AuthThrottle;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SourceKey;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.policy.User;
import java.net.SocketAddress;
import java.security.PublicKey;
import java.util.Optional;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;

/**
 * Whether a public key may be used at all (R05, R06): it belongs to an enabled user in policy and
 * the connection's source is not throttled, for failures ({@code ssh.auth_failures_per_minute}) or,
 * for a key query, for refused queries ({@code ssh.refused_key_queries_per_minute}). This is only an
 * opinion about a key: MINA consults it for key queries and before it checks a signature, so it
 * sets nothing, records nothing and counts nothing. {@link PublicKeyMethod} acts on its
 * {@link Verdict} once it knows what the request proved.
 */
final class KeyAuthenticator implements PublickeyAuthenticator {
    private final PolicyHolder policy;
    private final AuthThrottle<SourceKey> sourceFailures;
    private final AuthThrottle<SourceKey> refusedQueries;

    KeyAuthenticator(PolicyHolder policy, AuthThrottle<SourceKey> sourceFailures, AuthThrottle<SourceKey> refusedQueries) {
        this.policy = policy;
        this.sourceFailures = sourceFailures;
        this.refusedQueries = refusedQueries;
    }

    /**
     * What policy says about {@code key} on this connection.
     *
     * @param owner the policy user the key belongs to, when it belongs to one
     * @param refusal why the key may not be used, or null when it may
     * @param throttled the refusal is the source's failure throttle, not the key
     */
    record Verdict(Optional<User> owner, String refusal, boolean throttled) {
        boolean accepted() {
            return refusal == null;
        }

        static Verdict refused(Optional<User> owner, String reason) {
            return new Verdict(owner, reason, false);
        }
    }

    /**
     * What policy says about {@code key} in a request that carries a signature ({@code signed}) or is
     * a query. A source that ran out of refused queries gets no answer to its queries, known keys
     * included, until its allowance refills; its signed requests are still checked.
     */
    Verdict check(ServerSession session, PublicKey key, boolean signed) {
        if (!signed && !refusedQueries.allows(SessionAttributes.source(session))) {
            return new Verdict(Optional.empty(), "too many refused key queries from this source", true);
        }
        return check(session, key);
    }

    /** What policy says about {@code key}, whatever the request: the owner, and the source's failure throttle. */
    private Verdict check(ServerSession session, PublicKey key) {
        if (!sourceFailures.allows(SessionAttributes.source(session))) {
            return new Verdict(Optional.empty(), "too many failed attempts from this source", true);
        }
        if (key == null) {
            return Verdict.refused(Optional.empty(), "malformed or unsupported key");
        }
        Optional<User> user = policy.current().policy().userByKey(SshKeys.toLine(key));
        if (user.isEmpty()) {
            return Verdict.refused(user, "unknown key");
        }
        if (user.get().disabled()) {
            return Verdict.refused(user, "the key's owner is disabled");
        }
        return new Verdict(user, null, false);
    }

    /**
     * MINA's own consultation, inside {@link PublicKeyMethod#doAuth} once this key was accepted
     * there: MINA does not say whether the request is a query, and {@link PublicKeyMethod} already
     * applied the query allowance, so only the key and the failure throttle are checked again.
     */
    @Override
    public boolean authenticate(String username, PublicKey key, ServerSession session) {
        return check(session, key).accepted();
    }

    /**
     * {@code ip:port} ({@code [v6]:port}) of a peer, as audit events and
     * {@link dev.gatehouse.gateway.session.Identity#source()} carry it ({@link dev.gatehouse.gateway.config.HostPort}).
     */
    static String address(SocketAddress address) {
        return dev.gatehouse.gateway.config.HostPort.format(address);
    }
}
