package dev.gatehouse.gateway.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.gatehouse.recorder.AuditEvent;
import io.github.bucket4j.Bucket;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds what a client that has proven nothing can write to the audit log: key queries, refused
 * keys, throttled attempts and refused connections cost the client almost nothing to send. Each
 * {@link SourceKey} may write {@code perMinute} such events a minute (a token bucket, refilled
 * evenly). Past that, events are counted instead of written: the first one over the budget writes
 * one {@code audit.suppressed} event, and the count goes into the source's next written event as
 * {@code suppressed_before}, or into a final {@code audit.suppressed} event when the source has been
 * quiet for a minute and its entry is dropped. The log therefore stays truthful about how much
 * was left out.
 */
public final class AuditBudget {
    private final AuditTrail audit;
    private final Clock clock;
    private final int perMinute;
    private final Cache<SourceKey, Entry> sources;

    /** A source's bucket and the events it was refused since its last written one. */
    private record Entry(Bucket bucket, AtomicLong suppressed) {}

    public AuditBudget(AuditTrail audit, Clock clock, int perMinute) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("an audit budget needs at least 1 event a minute, got " + perMinute);
        }
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.perMinute = perMinute;
        this.sources = Caffeine.newBuilder()
                .ticker(ClockTime.ticker(clock))
                .expireAfterAccess(ClockTime.MINUTE)
                .maximumSize(AuthThrottle.MAX_KEYS)
                .executor(Runnable::run)
                .<SourceKey, Entry>removalListener(this::dropped)
                .build();
    }

    /**
     * Appends {@code event} (which should carry {@code source}) if the source has budget left.
     *
     * @return true when the event was written, false when it was counted as suppressed (or the store refused it)
     */
    public boolean append(SourceKey source, AuditEvent event) {
        Entry entry = sources.get(Objects.requireNonNull(source, "source"),
                k -> new Entry(ClockTime.perMinute(clock, perMinute), new AtomicLong()));
        if (entry.bucket().tryConsume(1)) {
            long before = entry.suppressed().getAndSet(0);
            return audit.append(before > 0 ? event.with("suppressed_before", before) : event);
        }
        if (entry.suppressed().getAndIncrement() == 0) {
            audit.append(audit.event(EventType.AUDIT_SUPPRESSED, "suppressed").withSource(source.value())
                    .with("reason", "more than " + perMinute + " events a minute from this source before authentication;"
                            + " further ones are counted, not recorded")
                    .with("first_type", event.type()));
        }
        return false;
    }

    private void dropped(SourceKey source, Entry entry, RemovalCause cause) {
        long count = entry == null ? 0 : entry.suppressed().getAndSet(0);
        if (count > 0 && source != null) {
            audit.append(audit.event(EventType.AUDIT_SUPPRESSED, "suppressed").withSource(source.value())
                    .with("count", count).with("reason", "events from this source not recorded while over its budget"));
        }
    }
}
