package dev.gatehouse.recorder;

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
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The audit store contract, run against every database: SQLite and PostgreSQL implement it. This
 * part covers round trips, the database's own append-only guard, recordings and listings;
 * {@link TamperContract}, {@link WriterContract} and {@link UnsignedRecordsContract} hold the rest.
 */
interface AuditStoreContract extends TamperContract, WriterContract, UnsignedRecordsContract {

    // ---- round trip and continuity ----

    @Test
    default void appendedEventReadsBackWithEveryField() {
        AuditEvent e = new AuditEvent("session.start", T0, "success", "10.0.0.5:51234", "alice", "gpu-node-1", "aiops",
                4711L, "grant-9", "s-1", Map.of("kind", "exec", "command", "nvidia-smi -q", "quote", "a\"b\\c\u00e9\n"));
        try (AuditStore store = open(CHAIN)) {
            assertThat(store.chainId()).isEqualTo(CHAIN);
            assertThat(store.append(e)).isEqualTo(1);
            store.flush();
            List<StoredEvent> events = store.events(EventQuery.all());
            assertThat(events).hasSize(1);
            StoredEvent stored = events.get(0);
            assertThat(stored.chainId()).isEqualTo(CHAIN);
            assertThat(stored.seq()).isEqualTo(1);
            assertThat(stored.event()).isEqualTo(e);
            assertThat(stored.prevHash()).isEqualTo(ChainHash.GENESIS);
            assertThat(stored.hash()).isEqualTo(ChainHash.event(CHAIN, 1, ChainHash.micros(T0), "session.start", "success",
                    "10.0.0.5:51234", "alice", "gpu-node-1", "aiops", 4711L, "grant-9", "s-1",
                    CanonicalJson.details(e.details()), ChainHash.GENESIS));
        }
    }

    @Test
    default void chainContinuesFromStoredHeadAfterReopen() {
        try (AuditStore store = open(CHAIN)) {
            store.append(event(1));
            store.append(event(2));
        }
        try (AuditStore store = open(CHAIN)) {
            assertThat(store.append(event(3))).isEqualTo(3);
            store.flush();
            List<StoredEvent> events = store.events(EventQuery.all());
            assertThat(events).extracting(StoredEvent::seq).containsExactly(1L, 2L, 3L);
            assertThat(events.get(2).prevHash()).isEqualTo(events.get(1).hash());
            assertThat(store.verify().problems()).isEmpty();
        }
    }

    @Test
    default void twoChainsShareOneDatabaseAndVerifyWalksBoth() {
        try (AuditStore a = open("gw-a"); AuditStore b = open("gw-b")) {
            a.append(event(1));
            b.append(event(2));
            a.append(event(3));
            assertThat(b.append(event(4))).isEqualTo(2);
        }
        VerifyReport report = verifyReadOnly();
        assertThat(report.problems()).isEmpty();
        assertThat(report.chains()).isEqualTo(2);
        assertThat(report.events()).isEqualTo(4);
        assertThat(report.intact()).isTrue();
    }

    // ---- append-only enforced by the database ----

    /** Threat: an operator or a compromised process edits or deletes audit rows with plain SQL. */
    @Test
    default void databaseRefusesUpdateAndDeleteOnEveryAuditTable() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.append(event(1).withSessionId("s-1"));
            store.appendChunk(RecordingChunk.of("s-1", "o", 0, "hi".getBytes(StandardCharsets.UTF_8)));
        }
        for (String table : List.of("audit_events", "recording_chunks", "checkpoints", "chains")) {
            String column = table.equals("chains") ? "created_micros" : "seq";
            assertThat(count("SELECT COUNT(*) FROM " + table)).as(table).isPositive();
            try (Connection c = raw(); Statement st = c.createStatement()) {
                assertThatThrownBy(() -> st.executeUpdate("UPDATE " + table + " SET " + column + " = " + column + " + 100"))
                        .as("UPDATE " + table).isInstanceOf(SQLException.class).hasMessageContaining("append-only");
                assertThatThrownBy(() -> st.executeUpdate("DELETE FROM " + table))
                        .as("DELETE " + table).isInstanceOf(SQLException.class).hasMessageContaining("append-only");
            }
        }
        assertThat(count("SELECT COUNT(*) FROM audit_events")).isEqualTo(1);
    }

    // ---- recordings ----

    @Test
    default void recordingChainsAndLinksToSessionEnd() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            store.append(AuditEvent.of("session.start", T0, "success").withSessionId("s-1").with("kind", "shell"));
            String last = null;
            for (int i = 0; i < 5; i++) {
                last = store.appendChunk(RecordingChunk.of("s-1", "o", i * 1000L, ("line " + i + "\n").getBytes(StandardCharsets.UTF_8)));
            }
            assertThat(store.recordingHead("s-1")).contains(last);
            store.append(AuditEvent.of("session.end", T0.plusSeconds(9), "success").withSessionId("s-1")
                    .with("exit_status", 0).with("recording_hash", last));
            store.flush();
            List<RecordingChunk> chunks = store.recording("s-1");
            assertThat(chunks).extracting(RecordingChunk::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(chunks.get(0).prevHash()).isEqualTo(ChainHash.GENESIS);
            assertThat(chunks.get(4).hash()).isEqualTo(last);
            assertThat(new String(chunks.get(2).data(), StandardCharsets.UTF_8)).isEqualTo("line 2\n");
            assertThat(store.verifyRecording("s-1").problems()).isEmpty();
            assertThat(store.verify().recordings()).isEqualTo(1);
            assertThat(store.recordingHead("s-1")).contains(last);
        }
        try (Connection c = tamperConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE recording_chunks SET data = ? WHERE seq = 3")) {
            ps.setBytes(1, "tampered".getBytes(StandardCharsets.UTF_8));
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        try (AuditStore store = openReadOnly()) {
            assertThat(store.verifyRecording("s-1").firstProblem()).startsWith("session s-1 chunk 3: ");
        }
        tamper("DELETE FROM recording_chunks WHERE seq >= 3");
        try (AuditStore store = openReadOnly()) {
            assertThat(store.verifyRecording("s-1").firstProblem()).startsWith("session s-1 chunk 3: missing record");
            assertThat(store.verify().firstProblem()).startsWith("session s-1 chunk 3: missing record");
        }
    }

    @Test
    default void recordingOfAnEndedSessionContinuesCorrectlyAfterItsHeadIsDropped() {
        try (AuditStore store = open(CHAIN)) {
            store.appendChunk(RecordingChunk.of("s-1", "o", 0, new byte[] {1}));
            store.append(AuditEvent.of("session.end", T0, "success").withSessionId("s-1"));
            store.flush();
            store.appendChunk(RecordingChunk.of("s-2", "o", 0, new byte[] {2})); // drops s-1's head
            store.appendChunk(RecordingChunk.of("s-1", "o", 1, new byte[] {3}));
            store.flush();
            assertThat(store.recording("s-1")).extracting(RecordingChunk::seq).containsExactly(1L, 2L);
            assertThat(store.verify().problems()).isEmpty();
        }
    }

    // ---- sessions and queries ----

    @Test
    default void sessionsAreBuiltFromStartAndEndEvents() {
        try (AuditStore store = open(CHAIN)) {
            store.append(AuditEvent.of("session.start", T0, "success").withSessionId("s-1").withUser("alice")
                    .withTarget("gpu-node-1", "aiops").withSource("10.0.0.5:4000").with("kind", "exec").with("command", "ls -l"));
            store.append(AuditEvent.of("session.start", T0.plusSeconds(5), "success").withSessionId("s-2")
                    .withUser("bob").withTarget("gpu-node-2", "mlops").with("kind", "shell"));
            store.append(AuditEvent.of("session.end", T0.plusSeconds(7), "failure").withSessionId("s-1").with("exit_status", 2));
            List<SessionSummary> sessions = store.sessions(10);
            assertThat(sessions).extracting(SessionSummary::id).containsExactly("s-2", "s-1");
            SessionSummary s1 = store.session("s-1").orElseThrow();
            assertThat(s1).isEqualTo(new SessionSummary("s-1", "alice", "aiops", "gpu-node-1", "exec", "ls -l",
                    "10.0.0.5:4000", T0, T0.plusSeconds(7), 2, "failure"));
            assertThat(sessions.get(0).end()).isNull();
            assertThat(sessions.get(0).outcome()).isNull();
            assertThat(store.sessions(1)).extracting(SessionSummary::id).containsExactly("s-2");
            assertThat(store.unfinishedSessions()).extracting(SessionSummary::id).containsExactly("s-2");
            assertThat(store.session("nope")).isEmpty();
        }
    }

    @Test
    default void eventQueriesFilterByTypePrefixUserSessionAndTime() {
        try (AuditStore store = open(CHAIN)) {
            store.append(AuditEvent.of("auth.success", T0, "success").withUser("alice"));
            store.append(AuditEvent.of("session.start", T0.plusSeconds(1), "success").withUser("alice").withSessionId("s-1"));
            store.append(AuditEvent.of("session.end", T0.plusSeconds(2), "success").withUser("alice").withSessionId("s-1"));
            store.append(AuditEvent.of("auth.failure", T0.plusSeconds(3), "failure").withUser("bob"));
            assertThat(store.events(new EventQuery("session.", null, null, null, 10))).extracting(StoredEvent::seq)
                    .containsExactly(2L, 3L);
            assertThat(store.events(new EventQuery("auth.success", null, null, null, 10))).extracting(StoredEvent::seq)
                    .containsExactly(1L);
            assertThat(store.events(new EventQuery(null, "bob", null, null, 10))).extracting(StoredEvent::seq)
                    .containsExactly(4L);
            assertThat(store.events(EventQuery.session("s-1"))).hasSize(2);
            assertThat(store.events(new EventQuery(null, null, null, T0.plusSeconds(2), 10))).extracting(StoredEvent::seq)
                    .containsExactly(3L, 4L);
            assertThat(store.events(new EventQuery(null, null, null, null, 2))).extracting(StoredEvent::seq)
                    .containsExactly(1L, 2L);
        }
    }

    @Test
    default void readOnlyStoreRefusesAppends() {
        try (AuditStore writer = open(CHAIN)) {
            writer.append(event(1));
        }
        try (AuditStore store = openReadOnly()) {
            assertThat(store.chainId()).isNull();
            assertThatThrownBy(() -> store.append(event(2))).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("read-only");
            assertThatThrownBy(() -> store.appendChunk(RecordingChunk.of("s", "o", 0, new byte[1])))
                    .isInstanceOf(StoreUnavailableException.class);
            assertThat(store.events(EventQuery.all())).hasSize(1);
        }
    }
}
