package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.zaxxer.hikari.HikariDataSource;
import dev.gatehouse.recorder.AccessLog.DecisionRow;
import dev.gatehouse.recorder.AccessLog.IssuedRow;
import dev.gatehouse.recorder.AccessLog.LockRow;
import dev.gatehouse.recorder.AccessLog.RequestRow;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * The access log contract (requests, decisions, locks, issued certificates, TOTP enrolments), run
 * against every database: SQLite and PostgreSQL implement it.
 */
interface AccessLogContract extends StoreFixture {
    List<String> ACCESS_TABLES = List.of("access_requests", "access_decisions", "access_locks", "access_issued",
            "totp_secrets", "api_tokens");

    default RequestRow nodeRequest(String id) {
        return new RequestRow(id, "alice", "team-a", "mlops", "gpu-node-1", null, Duration.ofMinutes(30),
                "restart the GPU driver", T0);
    }

    default DecisionRow decision(String requestId, String action, String actor, int second) {
        return new DecisionRow(requestId, 0, action, actor, null, T0.plusSeconds(second), null, null);
    }

    default LockRow lock(String action, String kind, String name, int second) {
        return new LockRow(0, action, kind, name, "root-admin", null, T0.plusSeconds(second));
    }

    /** One row in every access table. */
    default void oneOfEach(AccessLog log) {
        log.createRequest(nodeRequest("r-1"));
        log.appendDecision(decision("r-1", "approve", "bob", 60));
        log.appendLock(lock("lock", "user", "mallory", 61));
        log.recordIssued(new IssuedRow("r-1", 4711, "s-1", T0.plusSeconds(1860), T0.plusSeconds(62)));
        log.saveTotpSecret("alice", "v1:ciphertext", T0.plusSeconds(63));
        log.appendApiToken(apiToken("t-1", "issue", "alice", 64));
    }

    default AccessLog.ApiTokenRow apiToken(String id, String action, String actor, int second) {
        return new AccessLog.ApiTokenRow(id, 0, action, "alice", "ci", "SHA256:abc", T0.plusSeconds(3600), actor,
                T0.plusSeconds(second));
    }

    /** The head is the newest access-chain seq, whichever instance wrote it (what ChangeFeed.ACCESS announces). */
    @Test
    default void headIsTheNewestAccessSeqOfEveryInstance() {
        try (AuditStore a = open("gw-a"); AuditStore b = open("gw-b")) {
            assertThat(a.accessLog().head()).isZero();
            a.accessLog().createRequest(nodeRequest("r-1"));
            assertThat(b.accessLog().head()).isEqualTo(1);
            b.accessLog().appendLock(lock("lock", "user", "mallory", 1));
            b.accessLog().saveTotpSecret("alice", "v1:ciphertext", T0);
            assertThat(a.accessLog().head()).isEqualTo(3);
        }
    }

    /**
     * Issue 13 (scaling): an instance catching up reads the links after the last one it folded,
     * each with its row, in chain order, whichever instance wrote them; links of the kinds that do
     * not fold (issued certificates, TOTP enrolments, API tokens) come without a row.
     */
    @Test
    default void changesAfterListTheNewLinksWithTheirRowsInChainOrder() {
        try (AuditStore a = open("gw-a"); AuditStore b = open("gw-b")) {
            oneOfEach(a.accessLog()); // links 1..6
            assertThat(b.accessLog().changesAfter(0)).extracting(AccessLog.Change::chainSeq, AccessLog.Change::kind)
                    .containsExactly(tuple(1L, "request"), tuple(2L, "decision"), tuple(3L, "lock"), tuple(4L, "issued"),
                            tuple(5L, "totp"), tuple(6L, "api_token"));
            assertThat(b.accessLog().changesAfter(6)).isEmpty();
            b.accessLog().appendDecision(decision("r-1", "revoke", "carol", 70));
            b.accessLog().createRequest(nodeRequest("r-2"));
            b.accessLog().appendLock(lock("unlock", "user", "mallory", 71));
            List<AccessLog.Change> changes = a.accessLog().changesAfter(6);
            assertThat(changes).extracting(AccessLog.Change::chainSeq).containsExactly(7L, 8L, 9L);
            assertThat(changes.get(0).decision()).isEqualTo(new DecisionRow("r-1", 2, "revoke", "carol", null,
                    T0.plusSeconds(70), null, null));
            assertThat(changes.get(1).request()).isEqualTo(nodeRequest("r-2"));
            assertThat(changes.get(2).lock()).isEqualTo(new LockRow(2, "unlock", "user", "mallory", "root-admin", null,
                    T0.plusSeconds(71)));
            assertThat(changes).allSatisfy(c -> assertThat(c.missingRow()).isFalse());
            assertThat(a.accessLog().changesAfter(0).get(3).folds()).isFalse();
        }
    }

    /**
     * Threat (issue 13): two instances judge one state at once and write opposite decisions (a
     * deny and an approval of one request, an unlock of a lock just replaced). A write given the
     * head it was judged against is refused once another instance's row moved it, stores nothing,
     * and says which heads differ; judged against the newest head it is stored.
     */
    @Test
    default void aWriteJudgedAgainstAnOldHeadIsRefusedAndStoresNothing() {
        try (AuditStore a = open("gw-a"); AuditStore b = open("gw-b")) {
            a.accessLog().createRequest(nodeRequest("r-1"), 0);
            long judged = b.accessLog().head();
            a.accessLog().appendDecision(decision("r-1", "deny", "bob", 60), judged);
            assertThatThrownBy(() -> b.accessLog().appendDecision(decision("r-1", "approve", "carol", 61), judged))
                    .isInstanceOfSatisfying(StaleHeadException.class, e -> {
                        assertThat(e.expected()).isEqualTo(1);
                        assertThat(e.actual()).isEqualTo(2);
                    }).hasMessageContaining("approve decision on request r-1").hasMessageContaining("nothing was stored");
            assertThatThrownBy(() -> b.accessLog().appendLock(lock("unlock", "user", "mallory", 62), judged))
                    .isInstanceOf(StaleHeadException.class);
            assertThatThrownBy(() -> b.accessLog().createRequest(nodeRequest("r-2"), judged))
                    .isInstanceOf(StaleHeadException.class);
            assertThat(a.accessLog().decisions("r-1")).extracting(DecisionRow::action).containsExactly("deny");
            assertThat(a.accessLog().locks()).isEmpty();
            assertThat(a.accessLog().request("r-2")).isEmpty();
            assertThat(a.accessLog().head()).isEqualTo(2);

            assertThat(b.accessLog().appendLock(lock("lock", "user", "mallory", 63), 2)).isEqualTo(1);
            b.accessLog().createRequest(nodeRequest("r-2"), AccessLog.ANY_HEAD); // checks nothing
            assertThat(a.accessLog().head()).isEqualTo(4);
        }
    }

    /**
     * Threat: a TOTP code seen over a shoulder or phished is replayed on another gateway instance
     * within its 30 s step. A step is claimed once per user across instances: the same step and
     * any earlier one are refused afterwards, on every instance.
     */
    @Test
    default void aTotpStepIsClaimedOnceAcrossInstances() {
        try (AuditStore a = open("gw-a"); AuditStore b = open("gw-b")) {
            assertThat(a.accessLog().claimTotpStep("alice", 1000, T0)).isTrue();
            assertThat(b.accessLog().claimTotpStep("alice", 1000, T0)).isFalse();
            assertThat(b.accessLog().claimTotpStep("alice", 999, T0)).isFalse();
            assertThat(b.accessLog().claimTotpStep("bob", 1000, T0)).isTrue();
            assertThat(b.accessLog().claimTotpStep("alice", 1001, T0)).isTrue();
            assertThat(a.accessLog().claimTotpStep("alice", 1001, T0)).isFalse();
            assertThatThrownBy(() -> a.accessLog().claimTotpStep("", 1002, T0)).isInstanceOf(IllegalArgumentException.class);
            assertThat(a.accessLog().claimTotpStep("alice", 1002, T0)).isTrue(); // the bad claim took nothing
        }
    }

    /** Two instances claiming one step at the same moment: exactly one wins, however often it is tried. */
    @Test
    default void concurrentClaimsOfOneTotpStepHaveOneWinner() throws Exception {
        try (AuditStore a = open("gw-a"); AuditStore b = open("gw-b")) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (long step = 1; step <= 20; step++) {
                    long s = step;
                    CountDownLatch start = new CountDownLatch(1);
                    Future<Boolean> onA = pool.submit(() -> {
                        start.await();
                        return a.accessLog().claimTotpStep("alice", s, T0);
                    });
                    Future<Boolean> onB = pool.submit(() -> {
                        start.await();
                        return b.accessLog().claimTotpStep("alice", s, T0);
                    });
                    start.countDown();
                    assertThat(List.of(onA.get(), onB.get())).as("step %d", s).containsExactlyInAnyOrder(true, false);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** API tokens: an issue row, then a revocation row; both on the access chain, read back per token and per user. */
    @Test
    default void apiTokensAreIssuedRevokedAndListed() {
        try (AuditStore store = open(CHAIN)) {
            AccessLog log = store.accessLog();
            assertThat(log.appendApiToken(apiToken("t-1", "issue", "alice", 1))).isEqualTo(1);
            assertThat(log.appendApiToken(apiToken("t-2", "issue", "alice", 2))).isEqualTo(1);
            assertThat(log.appendApiToken(apiToken("t-1", "revoke", "alice", 3))).isEqualTo(2);
            assertThatThrownBy(() -> log.appendApiToken(apiToken("t-1", "issue", "alice", 4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already exists");
            assertThatThrownBy(() -> log.appendApiToken(apiToken("t-404", "revoke", "alice", 4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no API token t-404");
            assertThatThrownBy(() -> log.appendApiToken(apiToken("t-3", "renew", "alice", 4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use one of");
            assertThat(log.apiToken("t-1")).extracting(AccessLog.ApiTokenRow::action).containsExactly("issue", "revoke");
            assertThat(log.apiToken("t-1").get(0)).isEqualTo(new AccessLog.ApiTokenRow("t-1", 1, "issue", "alice", "ci",
                    "SHA256:abc", T0.plusSeconds(3600), "alice", T0.plusSeconds(1)));
            assertThat(log.apiToken("t-404")).isEmpty();
            // newest issue first, each token's rows in order
            assertThat(log.apiTokens("alice")).extracting(r -> r.id() + "#" + r.seq()).containsExactly("t-2#1", "t-1#1", "t-1#2");
            assertThat(log.apiTokens("bob")).isEmpty();
            assertThat(store.verify().problems()).isEmpty();
        }
    }

    // ---- round trips ----

    @Test
    default void requestsReadBackWithEveryField() {
        RequestRow byNode = new RequestRow("r-1", "alice", "team-a", "mlops", "gpu-node-1", null,
                Duration.ofMinutes(30), "nvidia-smi -r on node \u00e9\u4e2d\ud83d\ude80 \"quoted\"\nsecond line",
                T0);
        RequestRow bySelector = new RequestRow("r-2", "carol", null, "dbadmin", null,
                Map.of("tenant", "team-b", "gpu", "h100"), Duration.ofHours(1), null, T0.plusSeconds(5));
        try (AuditStore store = open(CHAIN)) {
            AccessLog log = store.accessLog();
            log.createRequest(byNode);
            log.createRequest(bySelector);
            assertThat(log.request("r-1")).contains(byNode);
            assertThat(log.request("r-2")).contains(bySelector);
            assertThat(log.request("r-2").orElseThrow().targetSelector().keySet()).containsExactly("gpu", "tenant");
            assertThat(log.request("nope")).isEmpty();
            assertThat(log.requests()).containsExactly(byNode, bySelector);
            assertThat(log.requests(T0.plusSeconds(1))).containsExactly(bySelector);
            assertThat(log.requests(T0)).containsExactly(byNode, bySelector);
        }
    }

    @Test
    default void decisionsReadBackWithEveryFieldInSeqOrder() {
        try (AuditStore store = open(CHAIN)) {
            AccessLog log = store.accessLog();
            log.createRequest(nodeRequest("r-1"));
            log.createRequest(nodeRequest("r-2"));
            DecisionRow approve = new DecisionRow("r-1", 0, "approve", "bob", "ok for the driver \u2713", T0.plusSeconds(10),
                    null, "eyJhbGciOiJFUzI1NiJ9.eyJyZXF1ZXN0Ijoici0xIn0.c2ln");
            DecisionRow revoke = new DecisionRow("r-1", 0, "revoke", "dave", null, T0.plusSeconds(20), -2L, "x.y.z");
            assertThat(log.appendDecision(approve)).isEqualTo(1);
            assertThat(log.appendDecision(decision("r-2", "deny", "bob", 15))).isEqualTo(1);
            assertThat(log.appendDecision(revoke)).isEqualTo(2);
            assertThat(log.decisions("r-1")).containsExactly(
                    new DecisionRow("r-1", 1, "approve", "bob", "ok for the driver \u2713", T0.plusSeconds(10), null,
                            approve.jws()),
                    new DecisionRow("r-1", 2, "revoke", "dave", null, T0.plusSeconds(20), -2L, "x.y.z"));
            assertThat(log.allDecisions()).extracting(DecisionRow::requestId, DecisionRow::seq, DecisionRow::action)
                    .containsExactly(tuple("r-1", 1L, "approve"),
                            tuple("r-1", 2L, "revoke"),
                            tuple("r-2", 1L, "deny"));
            assertThat(log.decisions("nope")).isEmpty();
        }
    }

    @Test
    default void locksGetGlobalSeqsAndReadBackInOrder() {
        try (AuditStore store = open(CHAIN)) {
            AccessLog log = store.accessLog();
            assertThat(log.appendLock(new LockRow(0, "lock", "node", "gpu-node-7", "root-admin",
                    "suspected compromise \u26a0", T0))).isEqualTo(1);
            LockRow tenantScoped = new LockRow(0, "lock", "login", "mlops", "team-a", "team-a-admin", null,
                    T0.plusSeconds(1));
            assertThat(log.appendLock(tenantScoped)).isEqualTo(2);
            assertThat(log.appendLock(lock("unlock", "node", "gpu-node-7", 2))).isEqualTo(3);
            assertThat(log.appendLock(lock("lock", "login", "mlops", 3))).isEqualTo(4);
            assertThat(log.appendLock(lock("lock", "user", "mallory", 4))).isEqualTo(5);
            List<LockRow> locks = log.locks();
            assertThat(locks).extracting(LockRow::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(locks.get(0)).isEqualTo(new LockRow(1, "lock", "node", "gpu-node-7", null, "root-admin",
                    "suspected compromise \u26a0", T0));
            assertThat(locks.get(1)).isEqualTo(new LockRow(2, "lock", "login", "mlops", "team-a", "team-a-admin", null,
                    T0.plusSeconds(1)));
            assertThat(locks.get(2)).isEqualTo(new LockRow(3, "unlock", "node", "gpu-node-7", "root-admin", null,
                    T0.plusSeconds(2)));
        }
    }

    @Test
    default void issuedCertificatesReadBackPerRequest() {
        try (AuditStore store = open(CHAIN)) {
            AccessLog log = store.accessLog();
            log.createRequest(nodeRequest("r-1"));
            log.createRequest(nodeRequest("r-2"));
            IssuedRow first = new IssuedRow("r-1", Long.MIN_VALUE, "s-1", T0.plusSeconds(1800), T0.plusSeconds(1));
            IssuedRow second = new IssuedRow("r-1", 42, null, T0.plusSeconds(1800), T0.plusSeconds(2));
            log.recordIssued(second);
            log.recordIssued(first);
            log.recordIssued(new IssuedRow("r-2", 43, "s-3", T0.plusSeconds(900), T0.plusSeconds(3)));
            assertThat(log.issued("r-1")).containsExactly(first, second);
            assertThat(log.issued("r-3")).isEmpty();
        }
    }

    @Test
    default void latestTotpEnrolmentWins() {
        try (AuditStore store = open(CHAIN)) {
            AccessLog log = store.accessLog();
            assertThat(log.totpSecret("alice")).isEmpty();
            log.saveTotpSecret("alice", "v1:first", T0);
            log.saveTotpSecret("bob", "v1:bobs", T0.plusSeconds(1));
            log.saveTotpSecret("alice", "v1:second", T0.plusSeconds(2));
            assertThat(log.totpSecret("alice")).contains("v1:second");
            assertThat(log.totpSecret("bob")).contains("v1:bobs");
        }
        // Re-enrolment appends: the first secret is still there, for the record.
        try {
            assertThat(count("SELECT COUNT(*) FROM totp_secrets WHERE user_name = 'alice'")).isEqualTo(2);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    // ---- bad input ----

    @Test
    default void badRowsAreRefusedWithTheReason() {
        try (AuditStore store = open(CHAIN)) {
            AccessLog log = store.accessLog();
            log.createRequest(nodeRequest("r-1"));
            assertThatThrownBy(() -> log.createRequest(nodeRequest("r-1"))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("r-1 already exists");
            assertThatThrownBy(() -> log.createRequest(new RequestRow("r-2", "alice", "team-a", "mlops", null, null,
                    Duration.ofMinutes(5), null, T0))).hasMessageContaining("not neither");
            assertThatThrownBy(() -> log.createRequest(new RequestRow("r-2", "alice", "team-a", "mlops", "gpu-node-1",
                    Map.of("gpu", "h100"), Duration.ofMinutes(5), null, T0))).hasMessageContaining("not both");
            assertThatThrownBy(() -> log.createRequest(new RequestRow("r-2", "alice", "team-a", "mlops", null, Map.of(),
                    Duration.ofMinutes(5), null, T0))).hasMessageContaining("match every node");
            assertThatThrownBy(() -> log.createRequest(new RequestRow("r-2", "alice", "team-a", "mlops", "n", null,
                    Duration.ofMillis(1500), null, T0))).hasMessageContaining("whole seconds");
            assertThatThrownBy(() -> log.appendDecision(decision("r-1", "approved", "bob", 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use one of");
            assertThatThrownBy(() -> log.appendDecision(decision("r-404", "approve", "bob", 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no access request r-404");
            assertThatThrownBy(() -> log.recordIssued(new IssuedRow("r-404", 1, null, T0, T0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no access request r-404");
            assertThatThrownBy(() -> log.appendLock(lock("lock", "group", "x", 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lock kind");
            assertThat(log.requests()).hasSize(1);
            assertThat(log.allDecisions()).isEmpty();
            assertThat(log.locks()).isEmpty();
        }
    }

    // ---- concurrency ----

    @Test
    default void concurrentDecisionsOnOneRequestGetGaplessSeqs() throws Exception {
        int threads = 8;
        int each = 6;
        try (AuditStore store = open(CHAIN)) {
            AccessLog log = store.accessLog();
            log.createRequest(nodeRequest("r-1"));
            log.createRequest(nodeRequest("r-2"));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<List<Long>>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    String actor = "approver-" + t;
                    futures.add(pool.submit(() -> {
                        start.await();
                        List<Long> seqs = new ArrayList<>();
                        for (int i = 0; i < each; i++) {
                            seqs.add(log.appendDecision(decision("r-1", "approve", actor, i)));
                        }
                        return seqs;
                    }));
                }
                log.appendDecision(decision("r-2", "deny", "bob", 0));
                start.countDown();
                List<Long> returned = new ArrayList<>();
                for (Future<List<Long>> f : futures) {
                    returned.addAll(f.get());
                }
                long[] expected = LongStream.rangeClosed(1, threads * each).toArray();
                assertThat(returned).containsExactlyInAnyOrder(LongStream.of(expected).boxed().toArray(Long[]::new));
                assertThat(log.decisions("r-1")).extracting(DecisionRow::seq)
                        .containsExactly(LongStream.of(expected).boxed().toArray(Long[]::new));
                assertThat(log.decisions("r-2")).extracting(DecisionRow::seq).containsExactly(1L);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    default void concurrentLocksGetDistinctOrderedSeqs() throws Exception {
        try (AuditStore store = open(CHAIN)) {
            AccessLog log = store.accessLog();
            twentyLocksAtOnce(log);
            assertThat(log.locks()).extracting(LockRow::seq)
                    .containsExactly(LongStream.rangeClosed(1, 20).boxed().toArray(Long[]::new));
        }
    }

    /** Several gateways share one database (PostgreSQL): their access writes form one gapless chain. */
    @Test
    default void twoGatewaysAppendToOneGaplessAccessChain() throws Exception {
        try (AuditStore a = open("gw-a"); AuditStore b = open("gw-b")) {
            twentyLocksAtOnce(a.accessLog(), b.accessLog());
        }
        assertThat(count("SELECT COUNT(*) FROM access_chain")).isEqualTo(20);
        assertThat(count("SELECT MAX(seq) FROM access_chain")).isEqualTo(20);
        VerifyReport report = verifyReadOnly();
        assertThat(report.problems()).isEmpty();
        assertThat(report.accessRecords()).isEqualTo(20);
        assertThat(report.tails()).allSatisfy(t -> assertThat(t.records()).isZero());
    }

    /** Twenty locks from four threads, spread over the given access logs in turn. */
    private void twentyLocksAtOnce(AccessLog... logs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                AccessLog log = logs[i % logs.length];
                int n = i;
                futures.add(pool.submit(() -> log.appendLock(lock("lock", "node", "gpu-node-" + n, n))));
            }
            for (Future<Long> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- append-only, durability, read-only use ----

    /** Threat: an operator or a compromised process quietly approves, unlocks or unrevokes with plain SQL. */
    @Test
    default void databaseRefusesUpdateAndDeleteOnEveryAccessTable() throws SQLException {
        try (AuditStore store = open(CHAIN)) {
            oneOfEach(store.accessLog());
        }
        for (String table : ACCESS_TABLES) {
            assertThat(count("SELECT COUNT(*) FROM " + table)).as(table).isEqualTo(1);
            try (Connection c = raw(); Statement st = c.createStatement()) {
                String column = table.equals("access_requests") ? "created_micros" : "time_micros";
                assertThatThrownBy(() -> st.executeUpdate("UPDATE " + table + " SET " + column + " = " + column + " + 1"))
                        .as("UPDATE " + table).isInstanceOf(SQLException.class).hasMessageContaining("append-only");
                assertThatThrownBy(() -> st.executeUpdate("DELETE FROM " + table))
                        .as("DELETE " + table).isInstanceOf(SQLException.class).hasMessageContaining("append-only");
            }
            assertThat(count("SELECT COUNT(*) FROM " + table)).as(table).isEqualTo(1);
        }
        assertThat(count("SELECT COUNT(*) FROM access_chain")).isEqualTo(6);
        try (Connection c = raw(); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeUpdate("UPDATE access_chain SET row_hash = hash"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
            assertThatThrownBy(() -> st.executeUpdate("DELETE FROM access_chain WHERE seq = 5"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("append-only");
        }
        assertThat(count("SELECT COUNT(*) FROM access_chain")).isEqualTo(6);
    }

    @Test
    default void accessFactsSurviveCloseAndReopenAndAreReadableReadOnly() {
        try (AuditStore store = open(CHAIN)) {
            oneOfEach(store.accessLog());
        }
        try (AuditStore store = open(CHAIN)) {
            AccessLog log = store.accessLog();
            assertThat(log.request("r-1")).contains(nodeRequest("r-1"));
            assertThat(log.appendDecision(decision("r-1", "revoke", "dave", 70))).isEqualTo(2);
            assertThat(log.appendLock(lock("unlock", "user", "mallory", 71))).isEqualTo(2);
            log.saveTotpSecret("alice", "v1:re-enrolled", T0.plusSeconds(72));
        }
        try (AuditStore store = openReadOnly()) {
            AccessLog log = store.accessLog();
            assertThat(log.requests()).containsExactly(nodeRequest("r-1"));
            assertThat(log.decisions("r-1")).extracting(DecisionRow::action).containsExactly("approve", "revoke");
            assertThat(log.locks()).extracting(LockRow::action).containsExactly("lock", "unlock");
            assertThat(log.issued("r-1")).containsExactly(
                    new IssuedRow("r-1", 4711, "s-1", T0.plusSeconds(1860), T0.plusSeconds(62)));
            assertThat(log.totpSecret("alice")).contains("v1:re-enrolled");
            assertThatThrownBy(() -> log.appendLock(lock("unlock", "node", "n", 80)))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("read-only");
            assertThatThrownBy(() -> log.createRequest(nodeRequest("r-9")))
                    .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("read-only");
        }
    }

    @Test
    default void accessLogOfAClosedStoreRefusesWithAClearMessage() {
        AccessLog log;
        try (AuditStore store = open(CHAIN)) {
            log = store.accessLog();
        }
        assertThatThrownBy(log::locks).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> log.appendLock(lock("lock", "user", "x", 0)))
                .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("closed");
    }

    // ---- migration ----

    /** A store created before the access log existed (schema V1 only) migrates when a writer opens it. */
    @Test
    default void aVersionOneStoreMigratesToTheAccessLog() throws SQLException {
        Dialect dialect = Dialect.of(url());
        try (HikariDataSource ds = DataSources.open(url(), dialect, false)) {
            Flyway.configure(getClass().getClassLoader()).dataSource(ds).locations(dialect.migrationLocation())
                    .target("1").load().migrate();
        }
        assertThat(count("SELECT COUNT(*) FROM flyway_schema_history WHERE success")).isEqualTo(1);
        try (Connection c = raw(); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeQuery("SELECT COUNT(*) FROM access_requests"))
                    .isInstanceOf(SQLException.class);
        }
        // The CLI does not migrate: it says what to do instead.
        assertThatThrownBy(this::openReadOnly).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("start the upgraded gateway once to migrate it");
        try (AuditStore store = open(CHAIN)) {
            store.append(event(1));
            oneOfEach(store.accessLog());
            assertThat(store.verify().problems()).isEmpty();
        }
        int scripts;
        try (HikariDataSource ds = DataSources.open(url(), dialect, false)) {
            scripts = Flyway.configure(getClass().getClassLoader()).dataSource(ds).locations(dialect.migrationLocation())
                    .load().info().all().length;
        }
        assertThat(scripts).isGreaterThanOrEqualTo(4);
        assertThat(count("SELECT COUNT(*) FROM flyway_schema_history WHERE success")).isEqualTo(scripts);
        try (AuditStore store = openReadOnly()) {
            assertThat(store.accessLog().requests()).containsExactly(nodeRequest("r-1"));
            assertThat(store.verify().intact()).isTrue();
        }
    }
}
