package dev.gatehouse.recorder;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a writer finds in the store when it opens, and records on its chain before it signs
 * anything, so that its start-up checkpoint does not sign in silently what it did not write:
 * records after its chain's last checkpoint ({@code chain.resumed}, {@link ChainResumption}),
 * access-log rows from before the access chain existed, chained now ({@code access.adopted}), and
 * access-chain links no event binds ({@code access.unbound}, {@link AccessBindings}). A crash
 * leaves the first and the last kind honestly; so does someone who INSERTs while the gateway is
 * stopped. Verify notes them.
 */
final class FoundAtOpen {
    private static final Logger log = LoggerFactory.getLogger(FoundAtOpen.class);

    /** How the store appends an event that may bind access links. */
    @FunctionalInterface
    interface Appender {
        void append(AuditEvent event, AccessChain.Head binds);
    }

    /**
     * Links no binding event names, found by a writer at open; recorded as an
     * {@code access.unbound} event that binds {@code firstSeq..lastSeq} (see {@link AccessBindings}).
     *
     * @param links how many links had no binding
     * @param hash the link hash at {@code lastSeq}
     * @param firstMicros the oldest such link's time (UTC microseconds)
     * @param lastMicros the newest such link's time
     */
    record Unbound(long links, long firstSeq, long lastSeq, String hash, long firstMicros, long lastMicros) {
        AuditEvent event(Instant now) {
            return AuditEvent.of(AccessBindings.UNBOUND, now, "info").with("links", links).with("first_seq", firstSeq)
                    .with("last_seq", lastSeq).with("access_hash", hash)
                    .with("first_time", ChainHash.instant(firstMicros)).with("last_time", ChainHash.instant(lastMicros))
                    .with("reason", "access-chain links without an access.chained event at start: left by a crash"
                            + " between a link and its event, or inserted outside the gateway");
        }
    }

    /**
     * The links that no binding event on any chain names, or null when every link is bound. Reads
     * the whole access chain and every binding event: the access log is small, and a link left
     * unbound anywhere must not pass unrecorded into this writer's signed access head.
     */
    private static Unbound unbound(Connection c) throws SQLException {
        AccessBindings.Links links = AccessBindings.read(c);
        long count = 0;
        long first = 0;
        long last = 0;
        long oldest = Long.MAX_VALUE;
        long newest = Long.MIN_VALUE;
        for (long seq : links.hashes().keySet()) {
            AccessBindings.Status s = links.statuses().getOrDefault(seq, AccessBindings.Status.NONE);
            if (s.proving() == null && s.unproven() == null) {
                count++;
                first = first == 0 ? seq : first;
                last = seq;
                oldest = Math.min(oldest, links.times().get(seq));
                newest = Math.max(newest, links.times().get(seq));
            }
        }
        return count == 0 ? null : new Unbound(count, first, last, links.hashes().get(last), oldest, newest);
    }

    private final String chainId;
    private final ChainResumption resumed;
    private final AccessChain.Head adopted;
    private final Unbound unbound;

    private FoundAtOpen(String chainId, ChainResumption resumed, AccessChain.Head adopted, Unbound unbound) {
        this.chainId = chainId;
        this.resumed = resumed;
        this.adopted = adopted;
        this.unbound = unbound;
    }

    /**
     * Adopts access rows from before the access chain (once, when it is empty), then reads what
     * else is unsigned.
     *
     * @param lastCheckpoint the chain's newest stored checkpoint, or null
     * @throws StoreUnavailableException when the database refuses
     */
    static FoundAtOpen read(HikariDataSource dataSource, Dialect dialect, StoreQueries queries, String chainId,
            CheckpointRow lastCheckpoint, long nowMicros) {
        AccessChain.Head adopted = AccessChain.adoptOnce(dataSource, dialect, nowMicros);
        ChainResumption resumed = queries.resumption(chainId, lastCheckpoint == null ? 0 : lastCheckpoint.seq());
        if (adopted.seq() > 0) {
            // Links adopted just now are all the chain holds: their access.adopted event binds them.
            return new FoundAtOpen(chainId, resumed, adopted, null);
        }
        try (Connection c = dataSource.getConnection()) {
            return new FoundAtOpen(chainId, resumed, adopted, unbound(c));
        } catch (SQLException e) {
            throw new StoreUnavailableException("cannot read the access chain: " + BatchWriter.describe(e), e);
        }
    }

    /** Appends the events that record what was found (none when nothing was). */
    void record(Appender appender, Instant now) {
        if (resumed != null) {
            log.warn("chain {}: {} record(s) (seq {} to {}) follow the last signed checkpoint: left by a crash, or"
                    + " appended while the gateway was stopped; recorded as chain.resumed", chainId, resumed.records(),
                    resumed.firstSeq(), resumed.lastSeq());
            appender.append(resumed.event(now), null);
        }
        if (adopted.seq() > 0) {
            appender.append(AccessChain.adoptedEvent(adopted, now), adopted);
        }
        if (unbound != null) {
            log.warn("access chain: {} link(s) between seq {} and {} have no access.chained event: left by a crash, or"
                    + " inserted outside the gateway; recorded as access.unbound", unbound.links(), unbound.firstSeq(),
                    unbound.lastSeq());
            appender.append(unbound.event(now), new AccessChain.Head(unbound.lastSeq(), unbound.hash()));
        }
    }
}
