package dev.gatehouse.gateway.ops;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.WriterState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

/**
 * The gateway's Prometheus metrics (Micrometer's Prometheus registry, text exposition format
 * 0.0.4). Every name starts with {@code gatehouse_}; labels take values from small fixed sets
 * (kinds, outcomes, event types) and never carry a user, node, login or session id, so a
 * scrape reveals no identity and the series count stays bounded.
 *
 * <p>Counts come from three seams: every audit append ({@link #appended}), every upstream
 * connect ({@link #upstreamConnected}) and every SSH connection ({@link #connectionListener});
 * gauges read the session registry, the access state and the store's writer at scrape time.
 */
public final class OpsMetrics {
    /** Outcomes a label may carry; anything else is counted as {@code other}. */
    private static final Set<String> OUTCOMES = Set.of("success", "failure", "denied", "refused", "throttled", "info",
            "interrupted", "partial");
    /** The help of {@code gatehouse_connections_total}: protocol {@code ssh} or {@code web} (the HTTPS listener). */
    private static final String CONNECTIONS = "Connections by protocol (ssh, or web: the HTTPS listener) and outcome";
    private static final Set<String> EVENT_TYPES = Arrays.stream(EventType.values()).map(EventType::wire)
            .collect(Collectors.toUnmodifiableSet());

    private final PrometheusMeterRegistry registry;
    private final Clock clock;
    /** Live sessions by kind, as counted at the last scrape; a kind's gauge is registered when first seen. */
    private final Map<String, java.util.concurrent.atomic.AtomicLong> liveByKind = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private volatile Supplier<List<LiveSession>> sessions = List::of;

    /**
     * @param clock the time the checkpoint age is measured against (the store's clock)
     */
    public OpsMetrics(Clock clock) {
        this.clock = clock;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // JVM and process basics keep their usual names under the gatehouse_ prefix
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                return id.getName().startsWith("gatehouse.") ? id : id.withName("gatehouse." + id.getName());
            }
        });
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        for (String kind : List.of("shell", "exec", "sftp", "forward", "app", "gateway-shell")) {
            live(kind);
        }
        for (String outcome : List.of("accepted", "refused")) {
            counter("gatehouse.connections", CONNECTIONS, "protocol", "ssh", "outcome", outcome);
        }
        counter("gatehouse.connections", CONNECTIONS, "protocol", "web", "outcome", "accepted");
        for (String outcome : List.of("success", "failure", "throttled")) {
            counter("gatehouse.authentications", "Authentications by protocol and outcome", "protocol", "ssh", "outcome", outcome);
        }
        for (String kind : List.of("ssh-session", "ssh-elevation", "x509-client")) {
            counter("gatehouse.certificates.issued", "Certificates issued by kind", "kind", kind);
        }
    }

    /** The registry, for the listener's scrape and for tests. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Live sessions are counted by kind from this registry at every scrape. */
    public void sessions(Supplier<List<LiveSession>> live) {
        this.sessions = live;
    }

    /** Pending elevation requests, read at scrape time. */
    public void pendingRequests(Supplier<Number> pending) {
        Gauge.builder("gatehouse.requests.pending", pending).description("Elevation requests waiting for approval")
                .strongReference(true).register(registry);
    }

    /**
     * The audit store's gauges: healthy (1 or 0), queue depth and capacity, recording bytes held,
     * age of this chain's last signed checkpoint in seconds.
     */
    public void store(AuditStore store) {
        Gauge.builder("gatehouse.audit.store.healthy", () -> store.healthy() ? 1 : 0)
                .description("1 while the audit store takes writes, 0 while it refuses them").register(registry);
        Gauge.builder("gatehouse.audit.queue.depth", () -> state(store, WriterState::queued))
                .description("Audit records queued for the background writer").register(registry);
        Gauge.builder("gatehouse.audit.queue.capacity", () -> state(store, WriterState::queueCapacity))
                .description("Audit records the queue holds before appends wait").register(registry);
        Gauge.builder("gatehouse.audit.queue.held", () -> state(store, WriterState::bytesHeld)).baseUnit("bytes")
                .description("Recording bytes queued or being committed").register(registry);
        Gauge.builder("gatehouse.audit.checkpoint.age", () -> store.writerState()
                        .map(s -> Duration.between(s.lastCheckpoint(), clock.instant()).toMillis() / 1000.0).orElse(Double.NaN))
                .baseUnit("seconds").description("Time since this chain's last signed checkpoint").register(registry);
    }

    private static Number state(AuditStore store, java.util.function.ToLongFunction<WriterState> field) {
        return store.writerState().map(s -> (Number) field.applyAsLong(s)).orElse(Double.NaN);
    }

    /** The syslog sink's gauges: connected (1 or 0) and the last sequence confirmed delivered; its counter of events. */
    void syslog(SyslogSink sink) {
        Gauge.builder("gatehouse.audit.syslog.connected", () -> sink.connected() ? 1 : 0)
                .description("1 while the syslog sink is connected to its receiver").register(registry);
        Gauge.builder("gatehouse.audit.syslog.cursor", sink::cursor)
                .description("Last sequence of this chain confirmed delivered to the syslog receiver").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("gatehouse.audit.syslog.delivered", sink, SyslogSink::delivered)
                .description("Audit events confirmed delivered to the syslog receiver since start").register(registry);
    }

    /** Refreshes what is read by listing (live sessions by kind); called before each scrape. */
    void refresh() {
        Map<String, Long> byKind = new TreeMap<>();
        liveByKind.keySet().forEach(k -> byKind.put(k, 0L));
        for (LiveSession s : sessions.get()) {
            String kind = s.kindName();
            if (kind != null && kind.length() <= 32 && kind.matches("[a-z-]+")) {
                byKind.merge(kind, 1L, Long::sum);
            }
        }
        byKind.forEach((kind, n) -> live(kind).set(n));
    }

    private java.util.concurrent.atomic.AtomicLong live(String kind) {
        return liveByKind.computeIfAbsent(kind, k -> {
            java.util.concurrent.atomic.AtomicLong n = new java.util.concurrent.atomic.AtomicLong();
            Gauge.builder("gatehouse.sessions.live", n, java.util.concurrent.atomic.AtomicLong::get).tag("kind", k)
                    .description("Live sessions on this instance by kind (shell, exec, sftp, forward, app, gateway-shell)")
                    .strongReference(true).register(registry);
            return n;
        });
    }

    /** The scrape: Prometheus text format 0.0.4. */
    public String scrape() {
        refresh();
        return registry.scrape();
    }

    /** Counts an audit append and what it says: connections refused, authentications, certificates. */
    public void appended(AuditEvent event, long nanos, boolean stored) {
        timer("gatehouse.audit.append", "Audit appends (enqueue, with backpressure waits) by outcome",
                "outcome", stored ? "stored" : "refused").record(nanos, TimeUnit.NANOSECONDS);
        String type = EVENT_TYPES.contains(event.type()) ? event.type() : "other";
        counter("gatehouse.audit.events", "Audit events appended by type", "type", type).increment();
        String outcome = OUTCOMES.contains(event.outcome()) ? event.outcome() : "other";
        switch (event.type()) {
            case "connection.refused" ->
                counter("gatehouse.connections", CONNECTIONS, "protocol", "ssh", "outcome", "refused").increment();
            case "auth.success", "auth.failure", "auth.throttled" -> counter("gatehouse.authentications",
                    "Authentications by protocol and outcome", "protocol", "ssh", "outcome",
                    event.type().substring("auth.".length())).increment();
            case "web.login" -> counter("gatehouse.authentications", "Authentications by protocol and outcome",
                    "protocol", "web", "outcome", outcome).increment();
            case "cert.issued" -> counter("gatehouse.certificates.issued", "Certificates issued by kind", "kind",
                    event.grantId() == null ? "ssh-session" : "ssh-elevation").increment();
            case "app.cert.issued" ->
                counter("gatehouse.certificates.issued", "Certificates issued by kind", "kind", "x509-client").increment();
            default -> { }
        }
    }

    /** Times an upstream SSH connect, from dialling to authenticated (or failed). */
    public void upstreamConnected(long nanos, boolean authenticated) {
        timer("gatehouse.upstream.connect", "Upstream SSH connect time, dial to authenticated, by outcome",
                "outcome", authenticated ? "success" : "failure").record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Counts SSH connections as they are accepted (refusals are counted from their audit event). */
    public SessionListener connectionListener() {
        Counter accepted = counter("gatehouse.connections", CONNECTIONS, "protocol", "ssh", "outcome", "accepted");
        return new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                accepted.increment();
            }
        };
    }

    /**
     * Counts the HTTPS listener's connections as they are accepted, before TLS
     * ({@code gatehouse_connections_total{protocol="web",outcome="accepted"}}); for
     * {@code WebFront.onAccepted}.
     */
    public Runnable webConnectionCounter() {
        Counter accepted = counter("gatehouse.connections", CONNECTIONS, "protocol", "web", "outcome", "accepted");
        return accepted::increment;
    }

    /** A counter, registered once per name and labels. */
    Counter counter(String name, String help, String... tags) {
        return counters.computeIfAbsent(name + Arrays.toString(tags),
                k -> Counter.builder(name).description(help).tags(tags).register(registry));
    }

    private Timer timer(String name, String help, String... tags) {
        return timers.computeIfAbsent(name + Arrays.toString(tags), k -> Timer.builder(name).description(help).tags(tags)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry));
    }

    /** Closes the registry (its meters stop being reported). */
    void close() {
        registry.close();
    }
}
