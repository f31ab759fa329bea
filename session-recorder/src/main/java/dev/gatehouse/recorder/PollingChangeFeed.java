package dev.gatehouse.recorder;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChangeFeed} that polls: every listener is called once an interval, and at once (on the
 * feed's thread) after a {@link #publish} on this instance. What SQLite (a single instance) and
 * tests use; the PostgreSQL feed adds LISTEN/NOTIFY on top of the same delivery.
 */
class PollingChangeFeed implements ChangeFeed {

    /** The feed thread's name. */
    static final String THREAD = "gatehouse-change-feed";

    private static final Logger LOG = LoggerFactory.getLogger(PollingChangeFeed.class);

    private final Duration interval;
    private final ScheduledExecutorService thread;
    private final Map<String, List<LongConsumer>> listeners = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> highest = new ConcurrentHashMap<>();

    PollingChangeFeed(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("poll interval must be positive: " + interval);
        }
        this.interval = interval;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, THREAD);
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(this::deliverAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void subscribe(String topic, LongConsumer listener) {
        listeners.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(listener);
    }

    @Override
    public void publish(String topic, long seq) {
        announced(topic, seq);
    }

    /** Records an announcement (ours or another instance's) and delivers it on the feed's thread. */
    protected void announced(String topic, long seq) {
        highest.computeIfAbsent(topic, t -> new AtomicLong()).accumulateAndGet(seq, Math::max);
        try {
            thread.execute(() -> deliver(topic));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed: nothing more is delivered
        }
    }

    /** Delivers every topic on the feed's thread now (after a reconnect: announcements may have been missed). */
    protected void deliverAllSoon() {
        try {
            thread.execute(this::deliverAll);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed: nothing more is delivered
        }
    }

    @Override
    public Duration pollInterval() {
        return interval;
    }

    private void deliverAll() {
        for (String topic : listeners.keySet()) {
            deliver(topic);
        }
    }

    private void deliver(String topic) {
        long seq = highest.computeIfAbsent(topic, t -> new AtomicLong()).get();
        for (LongConsumer l : listeners.getOrDefault(topic, List.of())) {
            try {
                l.accept(seq);
            } catch (RuntimeException e) {
                LOG.error("change listener for {} failed: {}", topic, e.toString());
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
