package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The LISTEN/NOTIFY change feed on the real PostgreSQL (127.0.0.1:5432, database test). Channels
 * are database-wide and other tests may announce on them too: the seqs announced here are drawn
 * from far above any real one, so "the highest announced" is this test's.
 */
class PgChangeFeedTest {
    static final String SERVER = PostgresAuditStoreTest.SERVER;
    static final Duration NEVER = Duration.ofHours(1);

    private static long bigSeq() {
        return 8_000_000_000_000_000_000L + ThreadLocalRandom.current().nextLong(1_000_000_000_000L);
    }

    /** Two instances on one database: each sees the other's announcement through NOTIFY (the poll is an hour away). */
    @Test
    void twoFeedsOnOneDatabaseSeeEachOthersPublishes() {
        try (PgChangeFeed a = new PgChangeFeed(SERVER, NEVER); PgChangeFeed b = new PgChangeFeed(SERVER, NEVER)) {
            AtomicLong onA = new AtomicLong();
            AtomicLong onB = new AtomicLong();
            AtomicLong liveOnB = new AtomicLong();
            a.subscribe(ChangeFeed.ACCESS, onA::set);
            b.subscribe(ChangeFeed.ACCESS, onB::set);
            b.subscribe(ChangeFeed.LIVE, liveOnB::set);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.listening() && b.listening());
            long seq = bigSeq();
            a.publish(ChangeFeed.ACCESS, seq);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(onB.get()).isEqualTo(seq));
            assertThat(onA.get()).isEqualTo(seq); // its own, at once
            b.publish(ChangeFeed.ACCESS, seq + 1);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(onA.get()).isEqualTo(seq + 1));
            long live = bigSeq();
            a.publish(ChangeFeed.LIVE, live);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(liveOnB.get()).isEqualTo(live));
            assertThat(onB.get()).isEqualTo(seq + 1); // topics apart
        }
    }

    /** A notification is only a hint: a payload that is not a sequence number reaches no listener. */
    @Test
    void aPayloadThatIsNoSeqIsIgnored() throws SQLException {
        try (PgChangeFeed b = new PgChangeFeed(SERVER, NEVER); Connection c = DriverManager.getConnection(SERVER)) {
            AtomicLong onB = new AtomicLong();
            b.subscribe(ChangeFeed.ACCESS, onB::set);
            await().atMost(Duration.ofSeconds(10)).until(b::listening);
            long seq = bigSeq();
            try (Statement s = c.createStatement()) {
                s.execute("NOTIFY gatehouse_access, '-5'");
                s.execute("NOTIFY gatehouse_access, '9e99; DROP TABLE x'");
                s.execute("NOTIFY gatehouse_access, '" + seq + "'");
            }
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(onB.get()).isEqualTo(seq));
        }
        assertThat(PgChangeFeed.parseSeq("12")).isEqualTo(12);
        assertThat(PgChangeFeed.parseSeq("99999999999999999999")).isEqualTo(-1);
        assertThat(PgChangeFeed.parseSeq("+1")).isEqualTo(-1);
        assertThat(PgChangeFeed.parseSeq("")).isEqualTo(-1);
    }

    /**
     * A killed listening connection (pg_terminate_backend on application_name gatehouse-change-feed)
     * is opened again by itself, and NOTIFY works again afterwards.
     */
    @Test
    void aKilledListeningConnectionReconnects() throws SQLException {
        try (PgChangeFeed a = new PgChangeFeed(SERVER, NEVER); PgChangeFeed b = new PgChangeFeed(SERVER, NEVER)) {
            AtomicLong onB = new AtomicLong();
            AtomicInteger calls = new AtomicInteger();
            b.subscribe(ChangeFeed.ACCESS, seq -> {
                onB.set(seq);
                calls.incrementAndGet();
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> a.listening() && b.listening());
            int killed = b.listenerPid();
            assertThat(terminate(killed)).isTrue();
            // back with a new connection; the listeners are called once it is (announcements may have been missed)
            await().atMost(Duration.ofSeconds(10)).until(() -> b.listening() && b.listenerPid() != killed);
            await().atMost(Duration.ofSeconds(2)).until(() -> calls.get() >= 1);
            long seq = bigSeq();
            a.publish(ChangeFeed.ACCESS, seq);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(onB.get()).isEqualTo(seq));
        }
    }

    /** While there is no listening connection at all, the poll still calls every listener every interval. */
    @Test
    void withoutAConnectionThePollStillDelivers() {
        String nowhere = "jdbc:postgresql://127.0.0.1:1/test?user=postgres&connectTimeout=1";
        try (PgChangeFeed b = new PgChangeFeed(nowhere, Duration.ofMillis(100))) {
            AtomicInteger calls = new AtomicInteger();
            b.subscribe(ChangeFeed.ACCESS, seq -> calls.incrementAndGet());
            await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() >= 5);
            assertThat(b.listening()).isFalse();
            b.publish(ChangeFeed.ACCESS, 7); // its own, delivered although it cannot be sent
            AtomicLong seen = new AtomicLong();
            b.subscribe(ChangeFeed.ACCESS, seen::set);
            await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(seen.get()).isEqualTo(7));
        }
    }

    /** The factory: PostgreSQL gets LISTEN/NOTIFY, SQLite the poll. */
    @Test
    void theFactoryPicksTheFeedOfTheDatabase() {
        try (ChangeFeed pg = ChangeFeed.forStore(SERVER, Duration.ofSeconds(1));
                ChangeFeed sqlite = ChangeFeed.forStore("jdbc:sqlite:/tmp/x.db", Duration.ofSeconds(1))) {
            assertThat(pg).isInstanceOf(PgChangeFeed.class);
            assertThat(sqlite).isNotInstanceOf(PgChangeFeed.class).isInstanceOf(PollingChangeFeed.class);
        }
    }

    /** Ends one backend of this test (never another engineer's or gateway's: it is selected by pid too). */
    static boolean terminate(int pid) throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER); PreparedStatement ps = c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ? AND application_name = ?")) {
            ps.setInt(1, pid);
            ps.setString(2, PgChangeFeed.APPLICATION_NAME);
            try (var rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
