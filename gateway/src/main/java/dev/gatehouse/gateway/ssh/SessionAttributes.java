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
    /** Whether this connection offers keyboard-interactive, and so can ask for a second factor. */
    static final AttributeKey<Boolean> SECOND_FACTOR_OFFERED = new AttributeKey<>();

    private SessionAttributes() {}

    /** The connection's source, computed from the peer address the first time it is asked for. */
    static SourceKey source(Session session) {
        return session.computeAttributeIfAbsent(SOURCE, k -> SourceKey.of(session.getIoSession().getRemoteAddress()));
    }
}
