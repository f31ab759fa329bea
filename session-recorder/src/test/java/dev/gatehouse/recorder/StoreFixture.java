package dev.gatehouse.recorder;

import dev.gatehouse.pki.testing.TestClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** What every audit store contract test needs: a fresh database per test and ways to attack it. */
interface StoreFixture {
    String CHAIN = "gw-1";
    int LONG_LOCK_MS = 10_000;
    Instant T0 = Instant.parse("2026-03-01T10:00:00.123456Z");

    /** URL of this test's fresh database; writes wait at most {@code lockTimeoutMs} for a lock. */
    String url(int lockTimeoutMs);

    /** A plain connection: the append-only triggers apply. */
    Connection raw() throws SQLException;

    /** A connection on which the append-only triggers are bypassed, as a database administrator could. */
    Connection tamperConnection() throws SQLException;

    /** Holds the write lock from another session: writes block, reads continue. */
    AutoCloseable holdWriteLock() throws SQLException;

    /** The audit key of this test. */
    HmacSigner signer();

    /** This test's clock (starts at {@link #T0}). */
    TestClock clock();

    /** A folder of this test's own (witness files). */
    Path scratch();

    default String url() {
        return url(LONG_LOCK_MS);
    }

    default StoreOptions options(String chain) {
        return new StoreOptions(url(), chain, signer(), clock(), 1024, StoreOptions.DEFAULT_QUEUE_BYTES, 100, Duration.ofSeconds(2), 1000,
                Duration.ofHours(1), List.of());
    }

    default AuditStore open(String chain) {
        return AuditStore.open(options(chain));
    }

    default AuditStore openReadOnly() {
        return AuditStore.open(options(null));
    }

    default AuditEvent event(int n) {
        return AuditEvent.of("auth.success", T0.plusSeconds(n), "success").withUser("alice").with("n", n);
    }

    /** Ten events, closed (so a final checkpoint covers seq 10). */
    default void tenEventsClosed() {
        try (AuditStore store = open(CHAIN)) {
            for (int i = 1; i <= 10; i++) {
                store.append(event(i));
            }
        }
    }

    default VerifyReport verifyReadOnly() {
        try (AuditStore store = openReadOnly()) {
            return store.verify();
        }
    }

    /** The file a gateway writes its checkpoints to in this test ({@code data/checkpoints.jsonl}). */
    default Path witnessPath() {
        return scratch().resolve("checkpoints.jsonl");
    }

    /** That file as {@code audit verify} sees it: a live witness of chain {@link #CHAIN}. */
    default Witness liveWitness() {
        return Witness.live(witnessPath(), "data_dir");
    }

    /** A writer that also appends its checkpoints to {@link #witnessPath()}, as a gateway does. */
    default AuditStore openWitnessed(String chain) {
        return AuditStore.open(options(chain).withWitnessFile(witnessPath()));
    }

    /** Ten events with a checkpoint after the fifth, closed (so a final checkpoint covers seq 10), witnessed. */
    default void tenEventsTwoCheckpointsWitnessed() {
        try (AuditStore store = openWitnessed(CHAIN)) {
            tenEventsCheckpointedAfter(store, 5);
        }
    }

    /** Appends events 1 to 10, signing a checkpoint after each of the given ones. */
    default void tenEventsCheckpointedAfter(AuditStore store, int... after) {
        for (int i = 1; i <= 10; i++) {
            store.append(event(i));
            for (int a : after) {
                if (a == i) {
                    store.checkpoint();
                }
            }
        }
    }

    /** Verifies read-only against the witnesses, as the gateway of chain {@link #CHAIN} would, with the clock at {@code now}. */
    default VerifyReport verifyAt(Instant now, Witness... witnesses) {
        StoreOptions o = options(null);
        try (AuditStore store = AuditStore.open(new StoreOptions(o.jdbcUrl(), null, o.signer(), new TestClock(now),
                o.queueCapacity(), o.queueBytes(), o.batchSize(), o.appendTimeout(), o.checkpointEvery(),
                o.checkpointInterval(), List.of()))) {
            return store.verify(List.of(witnesses), CHAIN);
        }
    }

    /** {@link #verifyAt} a minute after {@link #T0}: every checkpoint of these tests is older than the slack. */
    default VerifyReport verifyWith(Witness... witnesses) {
        return verifyAt(T0.plus(Duration.ofMinutes(1)), witnesses);
    }

    default void tamper(String... sql) throws SQLException {
        try (Connection c = tamperConnection(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.executeUpdate(s);
            }
        }
    }

    default long count(String sql) throws SQLException {
        try (Connection c = raw(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    default void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    // ---- helpers ----

    default String storedHash(long seq) throws SQLException {
        try (Connection c = raw();
                PreparedStatement ps = c.prepareStatement("SELECT hash FROM audit_events WHERE chain_id = ? AND seq = ?")) {
            ps.setString(1, CHAIN);
            ps.setLong(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * What an attacker with the schema and this source code does to the access chain: recompute
     * every link's row digest from the tables and every link's hash, renumbering the links from 1.
     */
    default void rehashAccessChain() throws SQLException {
        try (Connection c = tamperConnection()) {
            List<AccessChain.Link> links = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + AccessChain.LINK_COLUMNS
                    + " FROM access_chain ORDER BY seq"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    links.add(new AccessChain.Link(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7)));
                }
            }
            try (Statement st = c.createStatement()) {
                st.executeUpdate("DELETE FROM access_chain");
            }
            String prev = ChainHash.GENESIS;
            long seq = 0;
            for (AccessChain.Link l : links) {
                AccessKind kind = AccessKind.of(l.kind());
                Object[] row = null;
                try (PreparedStatement ps = c.prepareStatement(kind.selectSql()); ResultSet rs = ps.executeQuery()) {
                    while (rs.next() && row == null) {
                        Object[] candidate = kind.read(rs);
                        row = kind.key(candidate).equals(l.rowKey()) ? candidate : null;
                    }
                }
                if (row == null) {
                    continue; // the attacker deleted the row: drop its link too
                }
                seq++;
                String digest = kind.digest(row);
                String hash = ChainHash.accessLink(seq, l.timeMicros(), l.kind(), l.rowKey(), digest, prev);
                AccessChain.insertLinks(c, List.of(new AccessChain.Link(seq, l.timeMicros(), l.kind(), l.rowKey(), digest,
                        prev, hash)));
                prev = hash;
            }
        }
    }

    /** What an attacker with the schema and this source code does: recompute prev_hash and hash from a seq on. */
    default void rehashFrom(long from) throws SQLException {
        try (Connection c = tamperConnection()) {
            List<Object[]> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + StoreQueries.EVENT_COLUMNS
                    + " FROM audit_events WHERE chain_id = ? ORDER BY seq")) {
                ps.setString(1, CHAIN);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long serial = rs.getLong(10);
                        Long certSerial = rs.wasNull() ? null : serial;
                        rows.add(new Object[] {rs.getLong(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getString(7), rs.getString(8), rs.getString(9), certSerial, rs.getString(11),
                            rs.getString(12), rs.getString(13), rs.getString(15)});
                    }
                }
            }
            String prev = ChainHash.GENESIS;
            for (Object[] r : rows) {
                long seq = (Long) r[0];
                if (seq < from) {
                    prev = (String) r[12];
                    continue;
                }
                String hash = ChainHash.event(CHAIN, seq, (Long) r[1], (String) r[2], (String) r[3], (String) r[4],
                        (String) r[5], (String) r[6], (String) r[7], (Long) r[8], (String) r[9], (String) r[10],
                        (String) r[11], prev);
                try (PreparedStatement up = c.prepareStatement(
                        "UPDATE audit_events SET prev_hash = ?, hash = ? WHERE chain_id = ? AND seq = ?")) {
                    up.setString(1, prev);
                    up.setString(2, hash);
                    up.setString(3, CHAIN);
                    up.setLong(4, seq);
                    up.executeUpdate();
                }
                prev = hash;
            }
        }
    }
}
