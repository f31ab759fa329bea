package dev.gatehouse.gateway.ssh.upstream;

import dev.gatehouse.pki.CertificateRefusedException;
import dev.gatehouse.pki.IssuedCertificate;
import dev.gatehouse.policy.Node;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.client.session.ClientSession;

/**
 * The upstream connections of one client connection. Channels of that connection to the same node
 * and login, whose certificates would carry the same extensions under the same grant (or none),
 * share one authenticated upstream connection, as a direct {@code ssh} ControlMaster shares one
 * with the node (RFC 4254 section 5: many channels, one connection). A channel that arrives while
 * that connection is being made waits on the same future: there is never a second connect for the
 * same {@link Key} unless the node refused a channel on the first ({@link #fresh}).
 *
 * <p>A connection closes as soon as its last channel has released it (no lingering: an idle
 * connection would keep a login open on the node that no session accounts for). The pool itself
 * closes with the client connection. Thread-safe; every method is short and never blocks.
 */
public final class UpstreamPool implements AutoCloseable {
    /**
     * What decides whether two channels may share a connection: the node as the policy describes
     * it (a reload that changes its address or pinned host key makes new channels connect anew),
     * the login, the certificate's extensions (OpenSSH PROTOCOL.certkeys, such as
     * {@code permit-pty}) and the grant the certificate is bound to (null for standing access).
     */
    public record Key(Node node, String login, Set<String> extensions, String grantId) {
        public Key {
            extensions = Set.copyOf(extensions);
        }
    }

    /**
     * The certificate and key pair a new connection authenticates with.
     *
     * @param ready completes when the credential may be shown to the node (an elevated
     *     certificate is on record with its grant); the connection is made only then, and fails
     *     with its exception when it fails
     */
    public record Credential(IssuedCertificate certificate, KeyPair identity, CompletableFuture<?> ready) {}

    /** Mints the credential for a new connection; called only when one is needed, at most once per {@link #acquire} or {@link #fresh}. */
    public interface Minter {
        Credential mint() throws CertificateRefusedException;
    }

    private final UpstreamConnector connector;
    private final Map<Key, Connection> current = new HashMap<>();
    private final List<Connection> all = new ArrayList<>();
    private boolean closed;

    public UpstreamPool(UpstreamConnector connector) {
        this.connector = connector;
    }

    /**
     * A lease on the connection for {@code key}: the current one, or a new one (for which
     * {@code minter} is called) when there is none or it has failed or closed.
     *
     * @throws CertificateRefusedException when a certificate was needed and the CA refused it
     * @throws IllegalStateException when the pool was closed (its client connection is gone)
     */
    public synchronized Lease acquire(Key key, Minter minter) throws CertificateRefusedException {
        Connection c = current.get(key);
        boolean minted = false;
        if (c == null || !c.usable()) {
            c = open(key, minter);
            minted = true;
        }
        return c.lease(minted, minter);
    }

    /**
     * The node refused a channel on {@code refused}'s connection (OpenSSH's {@code MaxSessions}):
     * a lease on a newer connection for the same key, made now unless another channel already
     * made one. {@code refused} is released.
     */
    public synchronized Lease fresh(Lease refused) throws CertificateRefusedException {
        try {
            Connection c = current.get(refused.connection.key);
            boolean minted = false;
            if (c == null || c == refused.connection || !c.usable()) {
                c = open(refused.connection.key, refused.minter);
                minted = true;
            }
            return c.lease(minted, refused.minter);
        } finally {
            refused.release();
        }
    }

    /** Connections open or being opened (for tests and metrics). */
    public synchronized int size() {
        return all.size();
    }

    private Connection open(Key key, Minter minter) throws CertificateRefusedException {
        if (closed) {
            throw new IllegalStateException("the client connection is closed");
        }
        Credential credential = minter.mint();
        Connection c = new Connection(key, credential);
        current.put(key, c);
        all.add(c);
        c.session = credential.ready().thenCompose(ready -> connector.connect(key.node(), key.login(), credential.identity()));
        c.session.whenComplete((session, failure) -> {
            if (failure != null) {
                forget(c);
                return;
            }
            session.addCloseFutureListener(f -> forget(c));
            boolean unused;
            synchronized (this) {
                unused = c.users == 0 || closed;
            }
            if (unused) {
                // every channel that wanted it went away while it was being made
                forget(c);
                session.close(true);
            }
        });
        return c;
    }

    private synchronized void forget(Connection c) {
        current.remove(c.key, c);
        all.remove(c);
    }

    private void release(Connection c) {
        boolean last;
        synchronized (this) {
            last = --c.users == 0;
            if (last) {
                forget(c);
            }
        }
        if (last) {
            CompletableFuture<ClientSession> s = c.session;
            ClientSession session = s.isDone() && !s.isCompletedExceptionally() ? s.getNow(null) : null;
            if (session != null) {
                // every channel on it is closed or closing; a graceful close would wait on the node's
                // answers to channel closes it may never send
                session.close(true);
            }
            // still connecting: closed when it completes (users == 0)
        }
    }

    /** Closes every connection now (the client connection went away). */
    @Override
    public void close() {
        List<Connection> open;
        synchronized (this) {
            closed = true;
            open = new ArrayList<>(all);
            all.clear();
            current.clear();
        }
        for (Connection c : open) {
            c.session.thenAccept(s -> s.close(true));
        }
    }

    /** One upstream connection and how many channels hold it. */
    private final class Connection {
        final Key key;
        final Credential credential;
        CompletableFuture<ClientSession> session;
        /** Guarded by the pool. */
        int users;

        Connection(Key key, Credential credential) {
            this.key = key;
            this.credential = credential;
        }

        /** Not failed, not closing; a connection still being made is usable (its waiters share it). */
        boolean usable() {
            if (!session.isDone()) {
                return true;
            }
            if (session.isCompletedExceptionally()) {
                return false;
            }
            ClientSession s = session.getNow(null);
            return s != null && s.isOpen() && !s.isClosing();
        }

        Lease lease(boolean minted, Minter minter) {
            users++;
            return new Lease(this, minted, minter);
        }
    }

    /** One channel's hold on a connection; {@link #release} once, when the channel ends. */
    public final class Lease {
        private final Connection connection;
        private final boolean minted;
        private final Minter minter;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(Connection connection, boolean minted, Minter minter) {
            this.connection = connection;
            this.minted = minted;
            this.minter = minter;
        }

        /** Completes with the authenticated connection, or exceptionally with an {@link UpstreamException}. */
        public CompletableFuture<ClientSession> session() {
            return connection.session;
        }

        /** The certificate the connection authenticated (or is authenticating) with. */
        public IssuedCertificate certificate() {
            return connection.credential.certificate();
        }

        /** Whether this lease caused the connection, and so minted its certificate. */
        public boolean minted() {
            return minted;
        }

        /** Lets go of the connection; the last lease to go closes it. Idempotent. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                UpstreamPool.this.release(connection);
            }
        }
    }
}
