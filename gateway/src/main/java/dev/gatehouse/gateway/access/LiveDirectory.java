package dev.gatehouse.gateway.access;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.recorder.ChangeFeed;
import dev.gatehouse.recorder.InstanceRegistry;
import dev.gatehouse.recorder.InstanceRegistry.Instance;
import dev.gatehouse.recorder.InstanceRegistry.InstanceCommand;
import dev.gatehouse.recorder.InstanceRegistry.LiveRow;
import dev.gatehouse.recorder.StoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance among the gateway instances that share one database (issue 13): it registers
 * itself, heartbeats with its live sessions (and their byte counters), lists the other
 * instances' sessions, and carries terminations both ways through the store's
 * {@code instance_commands} and the {@link ChangeFeed#LIVE} topic.
 *
 * <p>Implementation notes. Every store write runs on one thread of its own, so a slow database
 * never holds up a session's start or the gateway's timer: the heartbeat, and a sync soon after
 * each session starts or ends (coalesced). Commands for this instance are read on the change
 * feed's thread, at each announcement and at least once a poll interval; so are the results of
 * commands this instance sent, which {@link #forwardTerminate} waits for. The registry is
 * coordination, not evidence: when the store fails, sessions go on and the next heartbeat
 * catches up; what happens to a session is audited in the chain of the instance that runs it.
 */
public final class LiveDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveDirectory.class);
    /** How long an instance that forwarded a termination waits for the owner to confirm it. */
    public static final Duration CONFIRM_WAIT = Duration.ofSeconds(5);
    /**
     * How long {@link #close} waits for a heartbeat already writing: its statements wait at most the
     * store's lock timeout (5 s by default) for a lock, and the interrupt of the stop ends a wait for
     * a pooled connection at once; the rest is margin.
     */
    static final Duration STOP_WAIT = Duration.ofSeconds(6);
    /** {@link InstanceCommand#result()} of a termination done. */
    public static final String TERMINATED = "terminated";
    /** {@link InstanceCommand#result()} when the session had already ended. */
    public static final String GONE = "gone";

    private final InstanceRegistry store;
    private final SessionRegistry local;
    private final AuditTrail audit;
    private final ChangeFeed feed;
    private final Clock clock;
    private final String chainId;
    private final String name;
    private final Duration deadAfter;
    private final Duration confirmWait;
    private final ExecutorService writer;
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    private final Map<Long, CompletableFuture<String>> awaited = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    /**
     * @param chainId this instance's audit chain id
     * @param name its label ({@code instance.name}, or the chain id)
     * @param deadAfter an instance whose heartbeat is older is dead ({@code instance.dead_after})
     */
    public LiveDirectory(InstanceRegistry store, SessionRegistry local, AuditTrail audit, ChangeFeed feed, Clock clock,
            String chainId, String name, Duration deadAfter) {
        this(store, local, audit, feed, clock, chainId, name, deadAfter, CONFIRM_WAIT);
    }

    LiveDirectory(InstanceRegistry store, SessionRegistry local, AuditTrail audit, ChangeFeed feed, Clock clock,
            String chainId, String name, Duration deadAfter, Duration confirmWait) {
        this.store = store;
        this.local = local;
        this.audit = audit;
        this.feed = feed;
        this.clock = clock;
        this.chainId = chainId;
        this.name = name;
        this.deadAfter = deadAfter;
        this.confirmWait = confirmWait;
        this.writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gatehouse-live-registry");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Registers this instance, removing what a crash of it left ({@link InstanceRegistry#register});
     * the gateway does it right after opening the store, before it writes to its chain.
     *
     * @param sshListen its SSH address, or null
     * @param webListen its HTTPS address, or null
     * @throws IllegalStateException when another process runs this chain (a copied {@code instance-id})
     */
    public void register(String sshListen, String webListen) {
        Instant now = clock.instant();
        store.register(new Instance(chainId, name, now, now, null, sshListen, webListen), deadAfter);
    }

    /** Starts syncing this (registered) instance's sessions and reading the commands addressed to it. */
    public void start() {
        local.onChange(this::syncSoon);
        feed.subscribe(ChangeFeed.LIVE, seq -> commands());
        syncSoon();
    }

    /** This instance's label. */
    public String name() {
        return name;
    }

    public String chainId() {
        return chainId;
    }

    /**
     * Writes the heartbeat and this instance's sessions with their counters now, on the registry's
     * thread after the syncs already queued there, and returns once it is written (a failed write is
     * logged, as the gateway's own heartbeats are). Running it on the caller's thread instead would
     * race a queued sync: one holding an older list of sessions could commit last and undo this one.
     * Returns at once after {@link #close} or {@link #halt}.
     */
    public void heartbeat() {
        Future<?> written;
        try {
            written = writer.submit(this::beat);
        } catch (RejectedExecutionException closed) {
            return;
        }
        try {
            written.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("heartbeat of " + name + " failed", e.getCause());
        }
    }

    /** On the registry's thread: one heartbeat with this instance's sessions as they are now. */
    private void beat() {
        syncQueued.set(false);
        if (stopped) {
            return;
        }
        Instant now = clock.instant();
        List<LiveRow> rows = local.all().stream().map(s -> row(s, now)).toList();
        try {
            store.sync(chainId, rows, now);
        } catch (StoreUnavailableException | IllegalArgumentException e) {
            LOG.warn("live-session registry: heartbeat of {} failed ({} session(s) not listed for other instances): {}",
                    name, rows.size(), e.getMessage());
        }
    }

    /** Schedules a heartbeat on the registry's thread (once, however many ask before it runs). */
    public void syncSoon() {
        if (!stopped && syncQueued.compareAndSet(false, true)) {
            try {
                writer.execute(this::beat);
            } catch (RejectedExecutionException closed) {
                syncQueued.set(false);
            }
        }
    }

    /**
     * The other instances' live sessions, oldest first, each with its instance's name and state
     * ({@code dead} when that instance's heartbeat is older than dead_after, or it is unknown).
     *
     * @throws StoreUnavailableException when the store cannot be read
     */
    public List<RemoteSession> others() {
        Instant now = clock.instant();
        Map<String, Instance> instances = store.instances().stream()
                .collect(Collectors.toMap(Instance::chainId, Function.identity()));
        return store.sessions().stream().filter(r -> !r.chainId().equals(chainId)).map(r -> {
            Instance owner = instances.get(r.chainId());
            boolean alive = owner != null && owner.alive(now, deadAfter);
            return new RemoteSession(r, owner == null ? r.chainId() : owner.name(),
                    alive ? RemoteSession.LIVE : RemoteSession.DEAD, owner == null ? r.updatedAt() : owner.heartbeatAt());
        }).toList();
    }

    /**
     * The registered instance running chain {@code chainId} (its addresses, its heartbeat), if any.
     *
     * @throws StoreUnavailableException when the store cannot be read
     */
    public Optional<Instance> instance(String chainId) {
        return store.instances().stream().filter(i -> i.chainId().equals(chainId)).findFirst();
    }

    /**
     * The registered instance running chain {@code chainId} when it is alive now (not stopped, its
     * heartbeat at most dead_after old), else empty.
     *
     * @throws StoreUnavailableException when the store cannot be read
     */
    public Optional<Instance> running(String chainId) {
        Instant now = clock.instant();
        return instance(chainId).filter(i -> i.alive(now, deadAfter));
    }

    /**
     * Asks the instance running {@code target} to terminate it, as {@code actor} with {@code reason},
     * and waits up to 5 s for its answer.
     *
     * @return {@link #TERMINATED} or {@link #GONE}, or empty when the owner did not answer in time
     *     (the command stays queued until the owner reads it, or is expired when the owner restarts)
     */
    public Optional<String> forwardTerminate(String actor, RemoteSession target, String reason) {
        long seq = store.command(new InstanceCommand(0, target.row().chainId(), target.id(), InstanceRegistry.TERMINATE,
                actor, reason, chainId, name, clock.instant(), null, null));
        CompletableFuture<String> answer = new CompletableFuture<>();
        awaited.put(seq, answer);
        try {
            feed.publish(ChangeFeed.LIVE, seq);
            return Optional.of(answer.get(confirmWait.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for instance " + target.instance() + " failed", e.getCause());
        } finally {
            awaited.remove(seq);
        }
    }

    /** On the feed's thread: runs the commands addressed to this instance, and collects answers to those it sent. */
    private void commands() {
        if (stopped) {
            return;
        }
        for (InstanceCommand c : store.pending(chainId)) {
            execute(c);
        }
        for (Map.Entry<Long, CompletableFuture<String>> e : awaited.entrySet()) {
            store.command(e.getKey()).filter(c -> c.doneAt() != null).ifPresent(c -> e.getValue().complete(c.result()));
        }
    }

    /** Terminates the session like a local {@code terminate}, audited in this chain with the instance it came through. */
    private void execute(InstanceCommand c) {
        LiveSession s = local.all().stream().filter(x -> x.id().equals(c.sessionId())).findFirst().orElse(null);
        if (s == null) {
            store.done(c.seq(), GONE, clock.instant());
        } else {
            audit.append(audit.event(EventType.SESSION_TERMINATED, "success").withUser(c.actor()).withSessionId(s.id())
                    .withTarget(s.node(), s.login()).withGrantId(s.grantId()).with("session_user", s.user())
                    .with("kind", s.kindName()).with("via", "instance").with("via_instance", c.originName())
                    .with("reason", c.reason()));
            s.terminate("session terminated by " + c.actor() + ": " + c.reason());
            store.done(c.seq(), TERMINATED, clock.instant());
        }
        feed.publish(ChangeFeed.LIVE, c.seq());
        syncSoon();
    }

    private LiveRow row(LiveSession s, Instant now) {
        String tenant = s.node() != null ? s.nodeTenant() : s.userTenant();
        return new LiveRow(s.id(), chainId, s.kindName(), s.user(), s.login(), s.node(), s.source(), tenant, s.grantId(),
                s.observable(), s.start(), s.bytesIn(), s.bytesOut(), now);
    }

    /**
     * Stops heartbeating at once without recording a stop, as a process killed with -9 does;
     * returns once a heartbeat already running has finished. For tests of dead instances.
     */
    void halt() throws InterruptedException {
        stopped = true;
        writer.shutdown();
        if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("heartbeat of " + name + " did not finish within 10 s");
        }
    }

    /**
     * The graceful stop: marks this instance stopped and removes its session rows (after its sessions ended).
     * Queued syncs are dropped; a heartbeat already writing is waited for (up to {@link #STOP_WAIT})
     * before the stop is recorded, since one committed after the stop would put its session rows
     * back, listed by the other instances as sessions of a dead instance until this chain starts
     * again. The interrupt of {@code shutdownNow} only cuts short a wait for a pooled connection:
     * pgjdbc and sqlite-jdbc ignore it during a statement, and each sync is one transaction.
     */
    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        writer.shutdownNow();
        try {
            if (!writer.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("live-session registry: a heartbeat of {} still runs after {} s; recording the stop anyway",
                        name, STOP_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            store.stopped(chainId, clock.instant());
        } catch (StoreUnavailableException e) {
            LOG.warn("live-session registry: could not record the stop of {} (others list it as dead after {} s): {}",
                    name, deadAfter.toSeconds(), e.getMessage());
        }
    }
}
