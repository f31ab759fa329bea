package dev.gatehouse.gateway;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.access.AccessService;
import dev.gatehouse.gateway.access.SecondFactor;
import dev.gatehouse.gateway.auth.SecretBox;
import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.notify.Webhook;
import dev.gatehouse.pki.JwsSigner;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.IdentityCheck;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.gateway.ssh.SharedIo;
import dev.gatehouse.gateway.ssh.SshFront;
import dev.gatehouse.gateway.ssh.upstream.UpstreamConnector;
import dev.gatehouse.gateway.web.WebFront;
import dev.gatehouse.gateway.web.WebLogin;
import dev.gatehouse.gateway.web.WebSite;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.RecorderOptions;
import dev.gatehouse.recorder.SessionRecorder;
import dev.gatehouse.recorder.SessionSummary;
import dev.gatehouse.recorder.StoreOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the running gateway: keys, audit store, policy, recorder, upstream connector and the SSH
 * front. {@link #close()} is the graceful stop: sessions end with their {@code session.end}
 * events, then the store drains and writes a final signed checkpoint.
 */
public final class Gateway implements AutoCloseable {
    /** {@code HOST:PORT} other instances reach {@code bound} at: instance.advertise when set, else {@code bound} itself. */
    static String advertised(dev.gatehouse.gateway.config.GatewayConfig.Instance instance, InetSocketAddress bound) {
        return instance.advertise().map(host -> dev.gatehouse.gateway.config.HostPort.format(host, bound.getPort()))
                .orElseGet(() -> dev.gatehouse.gateway.config.HostPort.format(bound));
    }

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** Gateway-shell commands running at once, across all sessions, before new ones are refused as "too busy". */
    static final int MAX_COMMAND_THREADS = 256;
    /** Where a stop that cannot drain the audit store keeps what it could not write (in data_dir). */
    public static final String SPILL_FILE = "audit-spill.jsonl";

    /** How long a graceful stop waits for terminated sessions to write their reason line and close. */
    static final Duration SHUTDOWN_LAST_LINES = dev.gatehouse.gateway.ssh.SerialSink.LAST_LINE_WAIT.plusSeconds(1);

    private final GatewayServices services;
    private final SshFront front;
    /** The HTTPS listener, or null when {@code web.enabled} is false. */
    private final WebFront web;
    private final InetSocketAddress webAddress;
    private final ScheduledExecutorService timer;
    private final ExecutorService notifications;
    private final PolicyWatcher watcher;
    private final InetSocketAddress address;
    private final SharedIo io;
    private final dev.gatehouse.gateway.ops.Operations ops;
    private volatile boolean closed;
    private volatile AuditStore.Shutdown storeShutdown;

    private Gateway(GatewayServices services, SshFront front, WebFront web, SharedIo io, ScheduledExecutorService timer,
            ExecutorService notifications, PolicyWatcher watcher, InetSocketAddress address, InetSocketAddress webAddress,
            dev.gatehouse.gateway.ops.Operations ops) {
        this.services = services;
        this.ops = ops;
        this.front = front;
        this.web = web;
        this.webAddress = webAddress;
        this.io = io;
        this.timer = timer;
        this.notifications = notifications;
        this.watcher = watcher;
        this.address = address;
    }

    /**
     * Starts the gateway.
     *
     * @throws dev.gatehouse.policy.ConfigException when the policy file is wrong
     * @throws IOException when keys, the store or the listening socket cannot be set up
     */
    public static Gateway start(GatewayConfig config, Clock clock) throws IOException {
        GatewayKeys keys = GatewayKeys.open(config);
        String policyText;
        try {
            policyText = Files.readString(config.policyFile(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new dev.gatehouse.policy.ConfigException(config.file().toString(), 1,
                    "cannot read policy file " + config.policyFile() + ": " + e.getMessage());
        }
        Policy policy = dev.gatehouse.policy.PolicyLoader.parse(policyText, config.policyFile().toString());
        dev.gatehouse.gateway.web.upstream.GatewayAddresses.checkPolicy(policy, config.policyFile().toString(), policyText);

        StoreOptions defaults = StoreOptions.defaults(config.store().url(), keys.chainId(), keys.checkpointSigner(), clock);
        StoreOptions options = new StoreOptions(defaults.jdbcUrl(), defaults.chainId(), defaults.signer(), clock,
                defaults.queueCapacity(), defaults.queueBytes(), defaults.batchSize(), defaults.appendTimeout(),
                config.store().checkpointEvery(), config.store().checkpointInterval(), config.witnessFiles(),
                config.dataDir().resolve(SPILL_FILE));
        refuseRunningChain(config, options);
        AuditStore store = AuditStore.open(options);
        String instanceName = config.instance().name().orElse(store.chainId());
        try {
            store.instanceRegistry().register(new dev.gatehouse.recorder.InstanceRegistry.Instance(store.chainId(), instanceName,
                    clock.instant(), clock.instant(), null, dev.gatehouse.gateway.config.HostPort.format(config.ssh().listen()),
                    config.web().enabled() ? dev.gatehouse.gateway.config.HostPort.format(config.web().listen()) : null),
                    // SQLite lives in this data_dir: a copied instance-id copied the database too; a crash restarts at once
                    options.jdbcUrl().startsWith("jdbc:postgresql:") ? config.instance().deadAfter() : Duration.ZERO);
        } catch (IllegalStateException e) {
            store.close();
            throw duplicateChain(config, e);
        }
        AuditTrail audit = new AuditTrail(store, clock, config.store().failClosed());
        dev.gatehouse.gateway.ops.OpsMetrics metrics = new dev.gatehouse.gateway.ops.OpsMetrics(clock);
        audit.observe(metrics::appended);
        recoverInterrupted(audit);

        ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, daemon("gatehouse-timer"));
        SharedIo io = new SharedIo(config.ssh().ioThreads());
        // Gateway-shell commands: a thread per running command, never a queue, so no session's
        // command waits behind another's (an admin's lock must not wait for anybody's idle shell).
        // Past the cap a command is refused with "too busy" rather than queued.
        ExecutorService commands = new ThreadPoolExecutor(0, MAX_COMMAND_THREADS, 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), daemon("gatehouse-command"));
        // Webhook deliveries wait on the network: their own threads, in order, never the command pool's.
        ExecutorService notifications = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000),
                daemon("gatehouse-webhook"), (task, pool) -> {
                    // 10,000 deliveries behind: the receiver is down; keep the newest, say so
                    if (!pool.isShutdown()) {
                        pool.getQueue().poll();
                        LOG.warn("webhook deliveries are 10,000 behind; dropped the oldest notification");
                        pool.execute(task);
                    }
                });
        PolicyHolder holder = new PolicyHolder(keys.userCa(), clock, policy);
        RecorderOptions recorderOptions = new RecorderOptions(config.recording().recordInput(), config.recording().streamCapBytes(),
                RecorderOptions.defaults(clock).chunkBytes(), clock);
        SessionRegistry registry = new SessionRegistry();
        java.security.KeyPair auditKey = keys.auditKey();
        // shared state (issue 13): other instances' access changes are heard on the feed (LISTEN/NOTIFY
        // on PostgreSQL, the poll on SQLite); time-driven writes run on the instance holding the lock
        dev.gatehouse.recorder.ChangeFeed changes = dev.gatehouse.recorder.ChangeFeed.forStore(config.store().url(),
                java.time.Duration.ofSeconds(1));
        dev.gatehouse.recorder.LeaderLock accessTimers = dev.gatehouse.recorder.LeaderLock.forStore(config.store().url(),
                "access-timers");
        AccessService access = new AccessService(holder, store.accessLog(), audit, registry, JwsSigner.es256(auditKey), clock,
                config.elevation().pendingTimeout(), notifier(config, notifications), changes, accessTimers);
        SecondFactor totp = new SecondFactor(store.accessLog(), audit, new SecretBox(auditKey.getPrivate().getEncoded()), clock);
        GatewayConfig.Web webConfig = config.web();
        WebSite site = new WebSite(webConfig.hostname(), webConfig.listen().getPort());
        java.util.Optional<WebLogin> webLogin = webConfig.enabled()
                ? java.util.Optional.of(new WebLogin(site, audit, clock, webConfig.loginTicketTtl()))
                : java.util.Optional.empty();
        java.util.Optional<dev.gatehouse.gateway.web.console.ApiTokens> apiTokens = webConfig.enabled()
                ? java.util.Optional.of(new dev.gatehouse.gateway.web.console.ApiTokens(keys.apiTokenKey(), site::consoleOrigin,
                        store.accessLog(), audit, clock))
                : java.util.Optional.empty();
        dev.gatehouse.gateway.access.LiveDirectory directory = new dev.gatehouse.gateway.access.LiveDirectory(
                store.instanceRegistry(), registry, audit, changes, clock, store.chainId(), instanceName,
                config.instance().deadAfter());
        GatewayServices services = new GatewayServices(config, clock, holder, audit,
                SessionRecorder.create(store, recorderOptions),
                new UpstreamConnector(config.ssh().upstreamConnectTimeout(), config.ssh().upstreamKex(), timer, io),
                registry, commands, timer, access, totp, keys.tlsCa(clock), webLogin, apiTokens, changes, directory);
        access.load();
        services.upstream().observe(metrics::upstreamConnected);
        SshFront front = new SshFront(services, keys.hostKey(), io);
        front.addSessionListener(metrics.connectionListener());
        InetSocketAddress bound = front.start();
        site.sshPort(bound.getPort());
        WebFront web = null;
        InetSocketAddress webBound = null;
        if (webConfig.enabled()) {
            try {
                web = WebWiring.front(services, keys, site, webLogin.get(), auditKey);
                web.onAccepted(metrics.webConnectionCounter());
                webBound = web.start();
            } catch (IOException | RuntimeException e) {
                if (web != null) {
                    web.close();
                }
                closeQuietly(front);
                directory.close();
                throw e;
            }
        }
        dev.gatehouse.gateway.ops.Operations ops;
        try {
            // ready while both listeners stand; /readyz adds the store and the stop
            ops = dev.gatehouse.gateway.ops.Operations.start(services, metrics, () -> java.util.Optional.empty());
        } catch (IOException | RuntimeException e) {
            if (web != null) {
                web.close();
            }
            closeQuietly(front);
            directory.close();
            throw e;
        }
        PolicyWatcher watcher = new PolicyWatcher(config.policyFile(), holder, audit, policyText, access::enforce);
        watcher.schedule(timer);
        timer.scheduleWithFixedDelay(() -> {
            try {
                access.tick();
            } catch (RuntimeException e) {
                LOG.error("elevation tick failed: {}", e.toString());
            }
            try {
                // judged again every second too, so a session that started on the old policy while it
                // was being replaced cannot slip through
                access.enforce();
            } catch (RuntimeException e) {
                LOG.error("access enforcement failed: {}", e.toString());
            }
            try {
                // connections go once their channels have
                front.closeConnections(identity -> IdentityCheck.problem(holder.current(), access.state(), identity));
            } catch (RuntimeException e) {
                LOG.error("closing connections of removed users failed: {}", e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
        // the addresses as bound (a configured port 0 is known only now), or instance.advertise with
        // the bound ports: other instances call this one there
        try {
            store.instanceRegistry().listening(store.chainId(), advertised(config.instance(), bound),
                    webBound == null ? null : advertised(config.instance(), webBound));
        } catch (dev.gatehouse.recorder.StoreUnavailableException e) {
            LOG.warn("live-session registry: could not record this instance's bound addresses: {}", e.getMessage());
        }
        // this instance's sessions and counters for the other instances; commands addressed to it
        directory.start();
        long beat = config.instance().heartbeat().toMillis();
        timer.scheduleWithFixedDelay(directory::syncSoon, beat, beat, TimeUnit.MILLISECONDS);
        // quiet sessions' buffered output reaches the store within ~150 ms: the crash-loss bound
        timer.scheduleWithFixedDelay(() -> services.sessions().all().forEach(Gateway::flushQuietly),
                100, 100, TimeUnit.MILLISECONDS);
        if (!config.recording().streams()) {
            LOG.warn("recording.streams is false: session bytes are NOT recorded, only events are audited");
        }
        audit.append(audit.event(EventType.GATEWAY_START, "success").with("listen", dev.gatehouse.gateway.config.HostPort.format(bound))
                .with("web_listen", webBound == null ? null : dev.gatehouse.gateway.config.HostPort.format(webBound))
                .with("recording", config.recording().streams() ? "streams" : "events-only")
                .with("chain", store.chainId()).with("policy", config.policyFile()));
        signStartupCheckpoint(store);
        return new Gateway(services, front, web, io, timer, notifications, watcher, bound, webBound, ops);
    }

    /**
     * Refuses to start a chain that another process runs on the same PostgreSQL (a copied
     * {@code data_dir/instance-id}) before this start writes anything to it. Read-only; a database
     * without the registry yet passes, and the registration after the open decides atomically.
     */
    private static void refuseRunningChain(GatewayConfig config, StoreOptions options) {
        if (!options.jdbcUrl().startsWith("jdbc:postgresql:")) {
            return;
        }
        StoreOptions readOnly = new StoreOptions(options.jdbcUrl(), null, options.signer(), options.clock(),
                options.queueCapacity(), options.queueBytes(), options.batchSize(), options.appendTimeout(),
                options.checkpointEvery(), options.checkpointInterval(), java.util.List.of());
        java.util.List<dev.gatehouse.recorder.InstanceRegistry.Instance> instances;
        try (AuditStore probe = AuditStore.open(readOnly)) {
            instances = probe.instanceRegistry().instances();
        } catch (RuntimeException e) {
            return;
        }
        java.time.Instant now = options.clock().instant();
        for (var i : instances) {
            if (i.chainId().equals(options.chainId()) && i.alive(now, config.instance().deadAfter())) {
                throw duplicateChain(config, new IllegalStateException(i.runningProblem(config.instance().deadAfter())));
            }
        }
    }

    private static dev.gatehouse.policy.ConfigException duplicateChain(GatewayConfig config, IllegalStateException e) {
        return new dev.gatehouse.policy.ConfigException(config.dataDir().resolve("instance-id").toString(), 1, e.getMessage());
    }

    /** Posts request and decision events to the configured webhook, if any; never blocks the caller. */
    private static Consumer<Map<String, Object>> notifier(GatewayConfig config, ExecutorService executor) {
        if (config.elevation().webhook().isEmpty()) {
            return payload -> { };
        }
        GatewayConfig.Webhook w = config.elevation().webhook().get();
        byte[] secret = null;
        if (w.secretEnv().isPresent()) {
            String value = System.getenv(w.secretEnv().get());
            if (value == null || value.isEmpty()) {
                throw new IllegalStateException("elevation.webhook.secret_env names " + w.secretEnv().get() + ", which is not set");
            }
            secret = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        Webhook hook = secret == null
                ? new Webhook(w.url(), w.timeout(), w.attempts(), Duration.ofMillis(500), executor, Webhook.Sleeper.on(executor))
                : new Webhook(w.url(), w.timeout(), w.attempts(), Duration.ofMillis(500), executor, Webhook.Sleeper.on(executor), secret);
        return hook::send;
    }

    /** Sessions a crash left open get their end written now, with what the recording holds. */
    private static void recoverInterrupted(AuditTrail audit) {
        for (SessionSummary s : audit.store().unfinishedSessions()) {
            boolean app = "app".equals(s.kind()); // an app session has no recording
            audit.append(audit.event(app ? EventType.APP_SESSION_END : EventType.SESSION_END, "interrupted")
                    .withUser(s.user()).withTarget(s.node(), s.login()).withSource(s.source()).withSessionId(s.id())
                    .with("reason", "gateway stopped without ending the session (crash)")
                    .with("recording_hash", app ? null : audit.store().recordingHead(s.id()).orElse(null)));
            LOG.warn("session {} was interrupted by a crash; its recording is kept up to the last flushed batch", s.id());
        }
    }

    /**
     * Signs at once what this start added (and what a crash left unsigned: the records after the
     * last checkpoint, and the recovered sessions' ends), so that {@code audit verify} does not
     * see an unsigned tail older than the checkpoint interval.
     */
    private static void signStartupCheckpoint(AuditStore store) {
        try {
            store.checkpoint();
        } catch (dev.gatehouse.recorder.StoreUnavailableException e) {
            LOG.warn("no checkpoint signed at start (the writer signs one once the store accepts writes): {}",
                    e.getMessage());
        }
    }

    /** A failing store must not stop the periodic flush for everyone else. */
    private static void flushQuietly(LiveSession session) {
        try {
            session.flushRecording();
        } catch (RuntimeException e) {
            LOG.warn("session {}: recording flush failed: {}", session.id(), e.getMessage());
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    /** Where the HTTPS listener is bound; empty when {@code web.enabled} is false. */
    public java.util.Optional<InetSocketAddress> webAddress() {
        return java.util.Optional.ofNullable(webAddress);
    }

    /** Where the operations listener is bound; empty when {@code ops.enabled} is false. */
    public java.util.Optional<InetSocketAddress> opsAddress() {
        return ops.address();
    }

    public GatewayServices services() {
        return services;
    }

    /** SIGHUP: reload the policy now. */
    public void reloadPolicy() {
        watcher.reload(true);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ops.stopping();
        front.stopAccepting();
        if (web != null) {
            web.stopAccepting();
        }
        int ended = services.sessions().close("the gateway is shutting down");
        if (web != null) {
            // app sessions ended above closed their connections; this closes the rest (console, idle)
            web.close();
        }
        // every client gets its reason line before its connection goes (bounded: a client that
        // stopped reading does not hold the stop up for longer than the last-line wait)
        int stillOpen = front.awaitChannelsClosed(SHUTDOWN_LAST_LINES);
        if (stillOpen > 0) {
            LOG.warn("{} channel(s) were still open {} s into the stop; closing them", stillOpen, SHUTDOWN_LAST_LINES.toSeconds());
        }
        try {
            front.close();
        } catch (IOException e) {
            LOG.warn("closing the SSH front: {}", e.getMessage());
        }
        services.upstream().close();
        io.close();
        timer.shutdownNow();
        services.commandPool().shutdownNow();
        notifications.shutdown();
        services.directory().close();
        services.changes().close();
        services.access().stopLeading();
        services.audit().append(services.audit().event(EventType.GATEWAY_STOP, "success").with("sessions_ended", ended));
        ops.close();
        AuditStore.Shutdown shutdown = services.audit().store().shutdown();
        storeShutdown = shutdown;
        if (shutdown.drained()) {
            LOG.info("gateway stopped; audit store drained");
        } else {
            LOG.error("gateway stopped; the audit store could not drain: {}", stopProblem(shutdown));
        }
    }

    /**
     * What the graceful stop left unwritten ({@link AuditStore.Shutdown#drained()} when nothing);
     * empty before {@link #close()}.
     */
    public java.util.Optional<AuditStore.Shutdown> storeShutdown() {
        return java.util.Optional.ofNullable(storeShutdown);
    }

    /** One line for the operator: how many records were not written and where they are kept. */
    public static String stopProblem(AuditStore.Shutdown shutdown) {
        if (shutdown.unwritten() == 0) {
            return "the database refused writes to the end (" + shutdown.problem() + ")";
        }
        return shutdown.unwritten() + " audit record(s) could not be written"
                + (shutdown.spillFile() != null ? "; kept in " + shutdown.spillFile()
                        + ", verified and appended at the next start" : " and are lost (" + shutdown.problem() + ")");
    }

    private static void closeQuietly(SshFront front) {
        try {
            front.stopAccepting();
            front.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the SSH front after a failed start: {}", e.getMessage());
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
