package dev.gatehouse.gateway.web.upstream;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.gatehouse.gateway.ssh.upstream.UpstreamPool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.sshd.client.session.ClientSession;

/**
 * The SSH connections app tunnels ride on, reused across app sessions of one user: a Caffeine
 * cache keyed by {@link SshAppConnector.TunnelKey}. A new stream takes the cached connection while
 * it is open (or still being made) and its certificate has at least {@link #RENEW_BEFORE} left;
 * else a new connection replaces it in the cache, and the old one closes once its last channel
 * is done. A connection without channels closes after {@link #IDLE}.
 *
 * <p>Expiry is variable per entry ({@link Expiry}): while a connection carries channels, it
 * expires when its certificate gets too old to take new ones; once idle, after {@link #IDLE} (or
 * sooner, with its certificate). Time comes from the injected {@link Clock} (as the cache's
 * {@link Ticker}); expired entries go at the next cache activity, or on {@code timer}.
 * Thread-safe; never blocks.
 */
final class Tunnels implements AutoCloseable {
    /** A connection whose certificate has less left than this takes no new channels. */
    static final Duration RENEW_BEFORE = Duration.ofSeconds(20);
    /** A connection without channels closes after this long. */
    static final Duration IDLE = Duration.ofSeconds(30);

    /** Makes a connection for a key, with its certificate (called under the cache's lock; must not block). */
    interface Opener {
        Tunnel open(SshAppConnector.TunnelKey key) throws Exception;
    }

    private final Clock clock;
    private final Cache<SshAppConnector.TunnelKey, Tunnel> cache;
    private final List<Tunnel> all = new ArrayList<>();
    private boolean closed;

    Tunnels(Clock clock, ScheduledExecutorService timer) {
        this.clock = clock;
        Caffeine<Object, Object> builder = Caffeine.newBuilder()
                .ticker(() -> nanos(clock.instant()))
                .executor(Runnable::run);
        if (timer != null) {
            builder.scheduler(Scheduler.forScheduledExecutorService(timer));
        }
        cache = builder
                .expireAfter(new Expiry<SshAppConnector.TunnelKey, Tunnel>() {
                    @Override
                    public long expireAfterCreate(SshAppConnector.TunnelKey key, Tunnel t, long now) {
                        return t.expiresAt - now;
                    }

                    @Override
                    public long expireAfterUpdate(SshAppConnector.TunnelKey key, Tunnel t, long now, long current) {
                        return t.expiresAt - now;
                    }

                    @Override
                    public long expireAfterRead(SshAppConnector.TunnelKey key, Tunnel t, long now, long current) {
                        return current;
                    }
                })
                .removalListener((SshAppConnector.TunnelKey key, Tunnel t, RemovalCause cause) -> {
                    if (t != null) {
                        retire(t);
                    }
                })
                .build();
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /**
     * A hold on the connection for {@code key}: the cached one when it may take a new channel, else
     * a new one from {@code opener}. Release the returned tunnel once ({@link #release}).
     *
     * @throws IllegalStateException when closed
     * @throws Exception what {@code opener} threw (the CA's refusal)
     */
    synchronized Tunnel acquire(SshAppConnector.TunnelKey key, Opener opener) throws Exception {
        if (closed) {
            throw new IllegalStateException("the app connector is closed");
        }
        Tunnel t = cache.getIfPresent(key);
        if (t == null || !usable(t)) {
            t = opener.open(key);
            t.expiresAt = nanos(t.credential.certificate().validBefore().minus(RENEW_BEFORE));
            t.hold();
            all.add(t);
            Tunnel made = t;
            cache.put(key, t);
            t.session.whenComplete((session, failure) -> {
                if (failure != null) {
                    forget(made);
                } else {
                    session.addCloseFutureListener(f -> forget(made));
                }
            });
            return t;
        }
        t.hold();
        setExpiry(key, t, t.credential.certificate().validBefore().minus(RENEW_BEFORE));
        return t;
    }

    /** Lets go of one hold on {@code t}: the last one closes a retired connection, or starts an idle one's clock. */
    void release(Tunnel t) {
        boolean close;
        synchronized (this) {
            close = t.letGo() || (closed && t.retire());
            if (!close && t.idle()) {
                Instant idleEnd = clock.instant().plus(IDLE);
                Instant certEnd = t.credential.certificate().validBefore().minus(RENEW_BEFORE);
                setExpiry(t.key, t, idleEnd.isBefore(certEnd) ? idleEnd : certEnd);
            }
        }
        if (close) {
            closeNow(t);
        }
    }

    /** Closes now every connection whose key matches (its streams fail); later streams connect anew. */
    void closeFor(Predicate<SshAppConnector.TunnelKey> which) {
        List<Tunnel> matching = new ArrayList<>();
        synchronized (this) {
            for (Tunnel t : all) {
                if (which.test(t.key)) {
                    matching.add(t);
                }
            }
            for (Tunnel t : matching) {
                t.retire();
                cache.asMap().remove(t.key, t);
            }
        }
        matching.forEach(Tunnels::closeNow);
    }

    /** Runs pending expiry now (for tests with a moved clock, and after a burst). */
    void cleanUp() {
        cache.cleanUp();
    }

    /** Connections open or being made, cached or retired but still carrying channels. */
    synchronized int size() {
        return all.size();
    }

    @Override
    public void close() {
        List<Tunnel> open;
        synchronized (this) {
            closed = true;
            open = new ArrayList<>(all);
        }
        cache.invalidateAll();
        open.forEach(Tunnels::closeNow);
    }

    private boolean usable(Tunnel t) {
        if (t.retired() || !clock.instant().plus(RENEW_BEFORE).isBefore(t.credential.certificate().validBefore())) {
            return false;
        }
        if (!t.session.isDone()) {
            return true;
        }
        ClientSession s = t.session.isCompletedExceptionally() ? null : t.session.getNow(null);
        return s != null && s.isOpen() && !s.isClosing();
    }

    private void setExpiry(SshAppConnector.TunnelKey key, Tunnel t, Instant at) {
        t.expiresAt = nanos(at);
        cache.policy().expireVariably().ifPresent(v -> {
            if (cache.getIfPresent(key) == t) {
                v.setExpiresAfter(key, Duration.ofNanos(Math.max(0, t.expiresAt - nanos(clock.instant()))));
            }
        });
    }

    /**
     * Out of the cache (expired, replaced, closed): closes now when idle, else after its last
     * channel. Runs as Caffeine's removal listener, so it takes only the tunnel's own lock (lock
     * order: this, then Caffeine's, then a tunnel's).
     */
    private static void retire(Tunnel t) {
        if (t.retire()) {
            closeNow(t);
        }
    }

    private synchronized void forget(Tunnel t) {
        t.retire();
        all.remove(t);
        cache.asMap().remove(t.key, t);
    }

    private static void closeNow(Tunnel t) {
        t.session.thenAccept(s -> s.close(true));
    }

    /** One SSH connection to a node and how many streams hold it. */
    static final class Tunnel {
        final SshAppConnector.TunnelKey key;
        final UpstreamPool.Credential credential;
        final CompletableFuture<ClientSession> session;
        /** Guarded by this tunnel. */
        private int users;
        private boolean retired;
        /** In the cache's ticker time (epoch nanos). */
        volatile long expiresAt;

        Tunnel(SshAppConnector.TunnelKey key, UpstreamPool.Credential credential,
                Function<UpstreamPool.Credential, CompletableFuture<ClientSession>> connect) {
            this.key = key;
            this.credential = credential;
            this.session = connect.apply(credential);
        }

        synchronized void hold() {
            users++;
        }

        /** @return true when this was the last hold of a retired connection, which must close now */
        synchronized boolean letGo() {
            users--;
            return users == 0 && retired;
        }

        /** @return true when it carries no channel and must close now */
        synchronized boolean retire() {
            retired = true;
            return users == 0;
        }

        synchronized boolean retired() {
            return retired;
        }

        synchronized boolean idle() {
            return users == 0;
        }

        /** Streams holding it now. */
        synchronized int users() {
            return users;
        }
    }
}
