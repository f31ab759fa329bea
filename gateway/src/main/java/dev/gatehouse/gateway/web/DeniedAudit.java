package dev.gatehouse.gateway.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.ClockTime;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.SourceKey;
import dev.gatehouse.recorder.AuditEvent;
import io.github.bucket4j.Bucket;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the {@code app.denied} events a client hammering a refused app can write: per (user, or
 * the client's source when no user is known; app; node) at most {@link #PER_MINUTE} events a
 * minute (a Bucket4j token bucket, refilled evenly: one more every 3 s once spent). Past that,
 * denials are counted instead of written, and the count is written once: as
 * {@code suppressed_before} on that key's next written {@code app.denied}, or, when the key has
 * been quiet for a minute, as one {@code audit.suppressed} event (user or source, app, node,
 * {@code count}). The HTTP answers do not change. A source is its IP address ({@link SourceKey}:
 * an IPv6 client counts as its /64), never the port, so new connections do not reset it.
 */
final class DeniedAudit {
    /** {@code app.denied} events written per key per minute. */
    static final int PER_MINUTE = 20;
    /** Keys remembered at most (the oldest go first, writing their count). */
    static final long MAX_KEYS = 100_000;
    private static final Duration WINDOW = Duration.ofMinutes(1);

    /** Whom the denials are about: {@code user:NAME} or {@code source:ADDRESS} (never the port), the app and the node as asked for. */
    private record Key(String who, String app, String node) {}

    /**
     * A key's bucket and the denials not written since its last written one; {@code user} and
     * {@code source} (the first client's {@code ip:port}) name it in the summary event.
     */
    private record Entry(Bucket bucket, AtomicLong suppressed, String user, String source) {}

    private final AuditTrail audit;
    private final Clock clock;
    private final Cache<Key, Entry> keys;

    /**
     * @param scheduler writes a quiet key's count on time (null: at the next use, for tests that move {@code clock})
     */
    DeniedAudit(AuditTrail audit, Clock clock, Scheduler scheduler) {
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        Caffeine<Object, Object> b = Caffeine.newBuilder()
                .ticker(ClockTime.ticker(clock))
                .expireAfterAccess(WINDOW)
                .maximumSize(MAX_KEYS)
                .executor(Runnable::run);
        if (scheduler != null) {
            b.scheduler(scheduler);
        }
        this.keys = b.<Key, Entry>removalListener(this::dropped).build();
    }

    /**
     * Writes {@code event} (an {@code app.denied} carrying {@code user} or {@code source}, app and
     * node) unless its key is over its budget, when it is counted instead.
     *
     * @param source the client's {@code ip:port} (or {@code [v6]:port})
     * @return true when written
     */
    boolean append(String user, String source, String app, String node, AuditEvent event) {
        String who = user != null ? "user:" + user : "source:" + sourceKey(source);
        Entry entry = keys.get(new Key(who, app, node),
                k -> new Entry(ClockTime.perMinute(clock, PER_MINUTE), new AtomicLong(), user, source));
        if (entry.bucket().tryConsume(1)) {
            long before = entry.suppressed().getAndSet(0);
            return audit.append(before > 0 ? event.with("suppressed_before", before) : event);
        }
        entry.suppressed().incrementAndGet();
        return false;
    }

    /** Runs due expiry now (tests that move the clock). */
    void cleanUp() {
        keys.cleanUp();
    }

    private void dropped(Key key, Entry entry, RemovalCause cause) {
        long count = entry == null ? 0 : entry.suppressed().getAndSet(0);
        if (count > 0 && key != null) {
            audit.append(audit.event(EventType.AUDIT_SUPPRESSED, "suppressed").withUser(entry.user()).withSource(entry.source())
                    .withTarget(key.node(), null).with("app", key.app()).with("events", EventType.APP_DENIED.wire())
                    .with("count", count).with("reason", "app.denied events past " + PER_MINUTE
                            + " a minute for this user or source, app and node: counted, not recorded"));
        }
    }

    /** The client's address without its port, an IPv6 one as its /64 ({@link SourceKey}); the text itself when unparsable. */
    static String sourceKey(String source) {
        if (source == null) {
            return "unknown";
        }
        String host = source;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? host : host.substring(1, end);
        } else if (host.indexOf(':') == host.lastIndexOf(':') && host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        if (!host.matches("[0-9a-fA-F.:]+")) {
            return host; // not an address literal: never resolve a name here
        }
        try {
            return SourceKey.of(java.net.InetAddress.getByName(host)).value();
        } catch (java.net.UnknownHostException e) {
            return host;
        }
    }
}
