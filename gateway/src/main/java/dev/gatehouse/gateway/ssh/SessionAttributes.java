package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.Identity;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.AttributeRepository.AttributeKey;

/** What the front attaches to an SSH session. */
final class SessionAttributes {
    /** The person, set when public-key authentication succeeds. */
    static final AttributeKey<Identity> IDENTITY = new AttributeKey<>();
    /** Keys rejected on this connection (MaxAuthTries semantics). */
    static final AttributeKey<AtomicInteger> FAILURES = new AttributeKey<>();

    private SessionAttributes() {}
}
