package dev.gatehouse.recorder;

import java.time.Duration;

/**
 * Tells this gateway instance that shared state changed, on this instance or on another that
 * shares the database (DESIGN.md "Several instances and operations").
 *
 * <p>A notification is only a hint: it carries a sequence number and nothing a listener trusts.
 * On each one, and at least once every {@link #pollInterval()} whatever arrives, a listener reads
 * every change after the last one it saw. So a lost notification, a dropped listening connection
 * or an instance that started late loses nothing; it is only slower (the poll) until the
 * notifications come back.
 *
 * <p>Topics are fixed strings ({@link #ACCESS}, {@link #LIVE}); the sequence numbers are the
 * topic's own (for {@link #ACCESS} the access chain's seq). On SQLite (one instance) the feed only
 * polls and delivers this instance's own publishes; on PostgreSQL it also uses LISTEN/NOTIFY on a
 * dedicated connection outside the pool.
 */
public interface ChangeFeed extends AutoCloseable {

    /** Requests, decisions, grants, locks, TOTP enrolments, API tokens: the access chain. */
    String ACCESS = "access";

    /** The live-session registry and commands addressed to an instance (terminate, observe). */
    String LIVE = "live";

    /**
     * Calls {@code listener} with the highest sequence number announced on {@code topic} so far
     * (0 when none was), on the feed's own thread, after every announcement and at least once a
     * {@link #pollInterval()}. Calls to one listener never overlap; an exception it throws is
     * logged and the listener stays subscribed.
     */
    void subscribe(String topic, java.util.function.LongConsumer listener);

    /**
     * Announces that a change with sequence number {@code seq} on {@code topic} is committed, to
     * every instance including this one. Call it after the commit. Never throws and never waits
     * on the network: when the announcement cannot be sent, the others' polls catch up.
     */
    void publish(String topic, long seq);

    /** The longest a listener waits between two calls, whatever is announced. */
    Duration pollInterval();

    /** Stops delivering; idempotent. */
    @Override
    void close();

    /**
     * The feed for a store URL: on PostgreSQL ({@code jdbc:postgresql:...}) LISTEN/NOTIFY on its
     * own connection to that database plus the poll every {@code pollInterval}; on SQLite (one
     * instance) only the poll. Never fails for an unreachable database: the feed keeps polling and
     * connects once it can.
     *
     * @throws IllegalArgumentException for a URL of neither database or a non-positive interval
     */
    static ChangeFeed forStore(String jdbcUrl, Duration pollInterval) {
        return Dialect.of(jdbcUrl) == Dialect.POSTGRESQL ? new PgChangeFeed(jdbcUrl, pollInterval) : polling(pollInterval);
    }

    /** A feed that polls every {@code interval} and delivers this instance's own publishes at once. */
    static ChangeFeed polling(Duration interval) {
        return new PollingChangeFeed(interval);
    }
}
