package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.SourceKey;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;

/** What the front attaches to an SSH session. */
final class SessionAttributes {
    /**
     * The person, set once by {@link PublicKeyMethod} when a signature made with their key has verified,
     * and never changed afterwards (DESIGN.md invariant 7).
     */
    static final AttributeKey<Identity> IDENTITY = new AttributeKey<>();
    /** Authentication failures on this connection (MaxAuthTries semantics). */
    static final AttributeKey<AtomicInteger> FAILURES = new AttributeKey<>();
    /** The connection's network source, what limits before authentication are keyed by. */
    static final AttributeKey<SourceKey> SOURCE = new AttributeKey<>();
    /** The access verdict made when the connection authenticated (for its user name's target), if one was made. */
    static final AttributeKey<AccessJudge.Verdict> AUTH_VERDICT = new AttributeKey<>();
    /** The client's address a trusted balancer's PROXY header named; unset without one (see {@link #clientAddress}). */
    static final AttributeKey<java.net.InetSocketAddress> CLIENT_ADDRESS = new AttributeKey<>();
    /** Whether this connection offers keyboard-interactive, and so can ask for a second factor. */
    static final AttributeKey<Boolean> SECOND_FACTOR_OFFERED = new AttributeKey<>();

    /** The connection's upstream connections, shared by its channels; closed with the connection. */
    private static final AttributeKey<dev.gatehouse.gateway.ssh.upstream.UpstreamPool> UPSTREAM = new AttributeKey<>();

    private SessionAttributes() {}

    /** The upstream pool of {@code session}, made the first time a channel asks; it closes when the connection does. */
    static dev.gatehouse.gateway.ssh.upstream.UpstreamPool upstreamPool(Session session,
            dev.gatehouse.gateway.ssh.upstream.UpstreamConnector connector) {
        return session.computeAttributeIfAbsent(UPSTREAM, k -> {
            dev.gatehouse.gateway.ssh.upstream.UpstreamPool pool = new dev.gatehouse.gateway.ssh.upstream.UpstreamPool(connector);
            session.addCloseFutureListener(f -> pool.close());
            return pool;
        });
    }

    /**
     * The connection's source, computed from {@link #clientAddress} the first time it is asked for.
     * With {@code ssh.proxy_protocol}, nothing asks before the PROXY header was read ({@link ProxyAcceptor}).
     */
    static SourceKey source(Session session) {
        return session.computeAttributeIfAbsent(SOURCE, k -> SourceKey.of(clientAddress(session)));
    }

    /**
     * The client's address: the one place the SSH side asks for it (audit records, per-source
     * limits, identities, logs). It is the address a trusted balancer's PROXY header named
     * ({@code ssh.proxy_protocol}, {@link ProxyAcceptor}), else the TCP peer's.
     */
    static java.net.SocketAddress clientAddress(Session session) {
        java.net.SocketAddress fromHeader = session.getAttribute(CLIENT_ADDRESS);
        return fromHeader != null ? fromHeader : session.getIoSession().getRemoteAddress();
    }

    /** {@link #clientAddress} as audit events and {@link Identity#source()} carry it: {@code ip:port}, {@code [v6]:port}. */
    static String address(Session session) {
        return KeyAuthenticator.address(clientAddress(session));
    }
}
