package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Records the gateway did not sign, written by someone who may only INSERT (no trigger dropped, no
 * key: the gateway's own database role, say): access-chain links without the gateway's event,
 * records appended to a chain while its gateway was stopped, chains dated in the future. And the
 * honest cases that look alike (a crash, verify beside a running gateway), which must not fail.
 */
interface UnsignedRecordsContract extends StoreFixture {

    /**
     * Threat: someone who may only INSERT appends an unlock with a correctly computed link; the
     * gateway's next access row links to it and its next checkpoint signs that head.
     */
    @Test
    default void anAccessLinkAppendedByInsertIsNamedThoughTheGatewaySignedPastIt() throws SQLException {
        try (AuditStore store = openWitnessed(CHAIN)) {
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "user", "mallory", null, "root-admin", "incident",
                    T0));
            store.checkpoint();
            insertAccessRow(AccessKind.LOCK, new Object[] {2L, "unlock", "user", "mallory", null, "root-admin", null,
                ChainHash.micros(T0.plusSeconds(5))}, T0.plusSeconds(5));
            clock().advance(Duration.ofSeconds(10));
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "node", "gpu-node-9", null, "root-admin",
                    "maintenance", clock().instant()));
        }
        try (AuditStore reader = openReadOnly()) {
            assertThat(reader.accessLog().locks()).extracting(AccessLog.LockRow::action).contains("unlock");
            AccessLog.Unproven unproven = reader.accessLog().unproven();
            assertThat(unproven.lock(2)).as("the gateway is told the unlock is not proven, and does not apply it").isTrue();
            assertThat(unproven.lock(1) || unproven.lock(3)).as("its own locks are proven").isFalse();
        }
        VerifyReport report = verifyAt(clock().instant(), liveWitness());
        assertThat(report.problems()).containsExactly("access seq 2: no event binds it to a gateway's chain (no"
                + " access.chained event names it), yet a signed checkpoint covers it (access head seq 3): it was"
                + " inserted outside the gateway");
    }

    /**
     * Threat: someone who may only INSERT adds an unlock and an approval to the access tables with no
     * access-chain link at all; the gateway must not take them as proven (they would lift a lock or
     * grant elevation that no admin decided).
     */
    @Test
    default void accessRowsInsertedWithoutAnyLinkAreUnproven() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "user", "mallory", null, "root-admin", "incident", T0));
        }
        tamper("INSERT INTO access_locks (seq, action, kind, name, actor, time_micros) VALUES (2, 'unlock', 'user', 'mallory',"
                + " 'root-admin', " + ChainHash.micros(T0.plusSeconds(1)) + ")",
                "INSERT INTO access_decisions (request_id, seq, action, actor, time_micros) VALUES ('01FORGEDREQUEST00000000000',"
                + " 1, 'approve', 'root-admin', " + ChainHash.micros(T0.plusSeconds(1)) + ")");
        try (AuditStore reader = openReadOnly()) {
            AccessLog.Unproven unproven = reader.accessLog().unproven();
            assertThat(unproven.lock(2)).as("the linkless unlock").isTrue();
            assertThat(unproven.decision("01FORGEDREQUEST00000000000", 1)).as("the linkless approval").isTrue();
            assertThat(unproven.lock(1)).as("the gateway's own lock").isFalse();
        }
    }

    /**
     * Threat: the same forger also inserts a chain whose one event is an access.adopted of the
     * first release's form (a row count, no hash), claiming every link as adopted at the upgrade.
     */
    @Test
    default void anUnsignedAdoptionNamingNoHashBindsNothing() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "user", "mallory", "root-admin", null, T0));
            store.checkpoint();
            insertAccessRow(AccessKind.LOCK, new Object[] {2L, "unlock", "user", "mallory", null, "root-admin", null,
                ChainHash.micros(T0)}, T0);
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "node", "gpu-node-9", "root-admin", null, T0));
        }
        insertEvent("gw-2", 1, AccessBindings.ADOPTED, ChainHash.micros(T0), CanonicalJson.details(Map.of("rows", "3",
                "reason", "access-log rows stored before the access chain existed")), ChainHash.GENESIS);
        assertThat(verifyAt(T0).problems()).as("two chains: within 15 s of the covering checkpoint another gateway's"
                + " event may be on its way").isEmpty();
        assertThat(verifyAt(T0.plus(Duration.ofMinutes(1))).problems()).containsExactly("access seq 2: no event binds it"
                + " to a gateway's chain (no"
                + " access.chained event names it), yet a signed checkpoint covers it (access head seq 3): it was"
                + " inserted outside the gateway");
    }

    /** Threat: someone deletes the newest access rows and links before a checkpoint signed them; their events remain. */
    @Test
    default void accessLinksCutOffBeforeAnyCheckpointAreNamedByTheirEvents() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "user", "mallory", "root-admin", null, T0));
            store.checkpoint();
            store.accessLog().appendLock(new AccessLog.LockRow(0, "unlock", "user", "mallory", "root-admin", null, T0));
            store.flush();
            tamper("DELETE FROM access_chain WHERE seq = 2", "DELETE FROM access_locks WHERE seq = 2");
            assertThat(verifyAt(T0).problems()).containsExactly("access seq 2: missing record: the access.chained"
                    + " event at chain gw-1 seq 2 names access seq 2 (the access chain ends at seq 1)");
        }
    }

    /**
     * A crash between an access link's commit and its access.chained event leaves the link unbound
     * (here made by INSERT, which leaves the same rows): the next start records it as
     * access.unbound, and verify notes it rather than failing for good.
     */
    @Test
    default void anAccessLinkLeftWithoutItsEventIsRecordedAtTheNextStartAndNoted() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.accessLog().appendLock(new AccessLog.LockRow(0, "lock", "user", "mallory", "root-admin", null, T0));
        }
        insertAccessRow(AccessKind.LOCK, new Object[] {2L, "unlock", "user", "mallory", null, "root-admin", null,
            ChainHash.micros(T0.plusSeconds(1))}, T0.plusSeconds(1));
        assertThat(verifyAt(T0.plusSeconds(1).plus(Duration.ofHours(2))).problems()).as("not restarted: the link stays unsigned")
                .containsExactly("access seq 2: not covered by a signed checkpoint for 2 h 0 min (the limit is 1 h 0 min"
                        + " 15 s): checkpoints after seq 1 were deleted, or the gateway stopped without its final"
                        + " checkpoint and was not restarted");
        try (AuditStore store = open(CHAIN)) {
            assertThat(store.events(EventQuery.all()).stream().filter(e -> e.event().type().equals("access.unbound"))
                    .map(e -> e.event().details()).toList()).singleElement().satisfies(d -> assertThat(d)
                            .containsEntry("links", "1").containsEntry("first_seq", "2").containsEntry("last_seq", "2")
                            .containsEntry("first_time", T0.plusSeconds(1).toString()));
        }
        VerifyReport report = verifyAt(T0.plusSeconds(5));
        assertThat(report.problems()).isEmpty();
        assertThat(report.notes()).containsExactly("access seq 2: 1 link(s) had no access.chained event when a gateway"
                + " started, and the access.unbound event at chain gw-1 seq 2 bound them then: a gateway that crashed"
                + " between writing a link and its event leaves such links, and so does an INSERT; nothing proves a"
                + " gateway wrote them");
    }

    /**
     * Threat: someone who may only INSERT appends records to a stopped gateway's chain (hashed onto
     * its head); the gateway's start-up checkpoint would sign them in as its own.
     */
    @Test
    default void recordsFoundAfterTheLastCheckpointAtStartAreRecordedAndNoted() throws SQLException {
        tenEventsClosed();
        String details = CanonicalJson.details(Map.of("command", "approve r-1"));
        long time = ChainHash.micros(T0.plusSeconds(30));
        insertEvent(CHAIN, 11, time, details, storedHash(10));
        try (AuditStore store = open(CHAIN)) {
            store.append(event(12));
        }
        VerifyReport report = verifyReadOnly();
        assertThat(report.problems()).isEmpty();
        assertThat(report.notes()).containsExactly("chain gw-1 seq 11: 1 record(s) dated " + T0.plusSeconds(30) + " to "
                + T0.plusSeconds(30) + " followed the last signed checkpoint (seq 10) when the gateway started, and were"
                + " signed in then (chain.resumed at seq 12): a crash leaves such records, and so does anyone appending to"
                + " the chain while the gateway was stopped; nothing proves the gateway wrote them");
    }

    /**
     * Threat: a whole chain inserted with INSERT only, dated in the future, stays "younger than the
     * checkpoint interval" for as long as its dates lie ahead.
     */
    @Test
    default void anUnsignedChainDatedInTheFutureIsNamed() throws SQLException {
        try (AuditStore store = openWitnessed(CHAIN)) {
            store.append(event(1));
        }
        Instant future = T0.plus(Duration.ofDays(3650));
        try (Connection c = raw(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO chains (chain_id, created_micros) VALUES ('gw-2', ?)")) {
            ps.setLong(1, ChainHash.micros(future));
            ps.executeUpdate();
        }
        insertEvent("gw-2", 1, ChainHash.micros(future), CanonicalJson.details(Map.of("command", "approve r-1")),
                ChainHash.GENESIS);
        VerifyReport report = verifyAt(T0.plus(Duration.ofDays(1)), liveWitness());
        assertThat(report.problems()).containsExactly("chain gw-2 seq 1: dated " + future + ", 3649 d after this check"
                + " (more than the 15 s of clock skew allowed), and no signed checkpoint covers it: inserted outside the"
                + " gateway (or written on a host whose clock runs ahead)");
        assertThat(verifyAt(future.minusSeconds(10), liveWitness()).problems()).as("within the skew").isEmpty();
    }

    /** audit verify beside a running gateway: access rows and their links committed during the walk are no problem. */
    @Test
    default void verifyBesideALiveWriterOfTheAccessLogFindsNothing() throws Exception {
        List<String> falseAlarms = new ArrayList<>();
        try (AuditStore writer = open(CHAIN)) {
            writer.append(event(1));
            writer.flush();
            AtomicBoolean stop = new AtomicBoolean();
            Thread locks = new Thread(() -> {
                for (int i = 1; !stop.get(); i++) {
                    writer.accessLog().appendLock(new AccessLog.LockRow(0, i % 2 == 1 ? "lock" : "unlock", "user",
                            "mallory", null, "root-admin", null, T0.plusMillis(i)));
                }
            });
            locks.start();
            try (AuditStore reader = openReadOnly()) {
                for (int run = 0; run < 40 && falseAlarms.isEmpty(); run++) {
                    falseAlarms.addAll(reader.verify().problems());
                }
            } finally {
                stop.set(true);
                locks.join();
            }
        }
        assertThat(falseAlarms).isEmpty();
    }

    // ---- what an attacker with INSERT only does ----

    /** Inserts an access-log row and a correctly computed link on the access chain's stored head. */
    default void insertAccessRow(AccessKind kind, Object[] row, Instant linkTime) throws SQLException {
        try (Connection c = raw()) {
            try (PreparedStatement ps = c.prepareStatement(kind.insertSql())) {
                kind.bind(ps, row);
                ps.executeUpdate();
            }
            AccessChain.Head head = AccessChain.head(c);
            long seq = head.seq() + 1;
            long time = ChainHash.micros(linkTime);
            String key = kind.key(row);
            String digest = kind.digest(row);
            AccessChain.insertLinks(c, List.of(new AccessChain.Link(seq, time, kind.label(), key, digest, head.hash(),
                    ChainHash.accessLink(seq, time, kind.label(), key, digest, head.hash()))));
        }
    }

    /** Inserts a {@code shell.command} event at {@code seq} of {@code chain}, hashed onto {@code prev}. */
    default void insertEvent(String chain, long seq, long timeMicros, String details, String prev) throws SQLException {
        insertEvent(chain, seq, "shell.command", timeMicros, details, prev);
    }

    /** Inserts an event of {@code type} at {@code seq} of {@code chain}, hashed onto {@code prev}. */
    default void insertEvent(String chain, long seq, String type, long timeMicros, String details, String prev)
            throws SQLException {
        String hash = ChainHash.event(chain, seq, timeMicros, type, "info", "10.0.0.5:4242", "bob", null, null, null, null,
                null, details, prev);
        try (Connection c = raw(); PreparedStatement ps = c.prepareStatement("INSERT INTO audit_events ("
                + StoreQueries.EVENT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            Object[] v = {chain, seq, timeMicros, type, "info", "10.0.0.5:4242", "bob", null, null, null, null, null,
                details, prev, hash};
            for (int i = 0; i < v.length; i++) {
                ps.setObject(i + 1, v[i]);
            }
            ps.executeUpdate();
        }
    }
}
