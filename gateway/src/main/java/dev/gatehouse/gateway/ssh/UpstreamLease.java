package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.ssh.upstream.ChannelOpenFailure;
import dev.gatehouse.gateway.ssh.upstream.UpstreamPool;
import dev.gatehouse.pki.IssuedCertificate;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.client.session.ClientSession;

/**
 * One bridged channel's hold on an upstream connection of its client connection's
 * {@link UpstreamPool}, with the one retry the channel gets: when the node refuses the channel on
 * a shared connection (it may have reached its {@code MaxSessions}; OpenSSH answers
 * {@code connect failed: open failed}), the channel moves to a fresh connection once.
 */
final class UpstreamLease {
    private final UpstreamPool pool;
    private volatile UpstreamPool.Lease lease;
    private boolean retried;
    /** Set once by {@link #release}; guarded by this, so a retry racing an end cannot leave a fresh connection behind. */
    private boolean released;

    UpstreamLease(UpstreamPool pool, UpstreamPool.Lease lease) {
        this.pool = pool;
        this.lease = lease;
    }

    /** Completes with the authenticated connection, or exceptionally with why it could not be made. */
    CompletableFuture<ClientSession> session() {
        return lease.session();
    }

    /** The certificate the current connection authenticates with. */
    IssuedCertificate certificate() {
        return lease.certificate();
    }

    /**
     * Moves to a fresh connection after the node refused a channel ({@code failure}), the first time
     * only, whichever channel made the shared connection (they open in any order once it is up).
     *
     * @return whether it moved; false when {@code failure} is no refusal, the retry was used, or no
     *     new connection could be had (the client connection is closing, the CA refused)
     */
    synchronized boolean moveAfter(Throwable failure) {
        if (released || retried || !ChannelOpenFailure.isRefusal(failure)) {
            return false;
        }
        retried = true;
        try {
            lease = pool.fresh(lease);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Lets go of the connection; the last channel to do so closes it. Idempotent, and final: a
     * {@link #moveAfter} that comes later does not lease again.
     */
    synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        lease.release();
    }
}
