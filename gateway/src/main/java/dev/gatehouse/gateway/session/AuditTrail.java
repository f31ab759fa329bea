package dev.gatehouse.gateway.session;

import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.StoreUnavailableException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's single way into the audit log. Appends never throw into the data path: a store
 * failure is logged once per outage and reported as {@code false}, so callers decide to fail closed.
 */
public final class AuditTrail {
    private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);

    private final AuditStore store;
    private final Clock clock;
    private final boolean failClosed;
    private volatile boolean reportedDown;
    private volatile Observer observer = (event, nanos, stored) -> { };

    /** Told of every append (for metrics): the event, how long the store took, whether it took it. */
    @FunctionalInterface
    public interface Observer {
        void appended(AuditEvent event, long nanos, boolean stored);
    }

    public AuditTrail(AuditStore store, Clock clock, boolean failClosed) {
        this.store = store;
        this.clock = clock;
        this.failClosed = failClosed;
    }

    public AuditStore store() {
        return store;
    }

    public Clock clock() {
        return clock;
    }

    /** A new event stamped now. */
    public AuditEvent event(String type, String outcome) {
        return AuditEvent.of(type, clock.instant(), outcome);
    }

    /** A new event of {@code type} stamped now. */
    public AuditEvent event(EventType type, String outcome) {
        return event(type.wire(), outcome);
    }

    /** Sets the one observer of appends (the operations metrics); it must not block or throw. */
    public void observe(Observer next) {
        observer = next;
    }

    /** Appends; returns false (and logs) when the store refuses. */
    public boolean append(AuditEvent event) {
        long start = System.nanoTime();
        boolean stored = false;
        try {
            store.append(event);
            stored = true;
            if (reportedDown) {
                reportedDown = false;
                LOG.info("audit store accepts writes again");
            }
            return true;
        } catch (StoreUnavailableException e) {
            if (!reportedDown) {
                reportedDown = true;
                LOG.error("audit store unavailable, {}: {}", failClosed ? "refusing new sessions" : "continuing (fail_closed: false)", e.getMessage());
            }
            return false;
        } finally {
            observer.appended(event, System.nanoTime() - start, stored);
        }
    }

    /**
     * What a user is told when {@code what} (plural: "sessions", "forwards") is refused because
     * the store takes no writes ({@link #acceptingSessions} is false): one wording everywhere.
     */
    public static String refusedWhileDown(String what) {
        return "the audit store is unavailable; new " + what + " are refused until it recovers";
    }

    /** Whether new sessions may start: the store is healthy, or the operator chose to fail open. */
    public boolean acceptingSessions() {
        return !failClosed || store.healthy();
    }
}
