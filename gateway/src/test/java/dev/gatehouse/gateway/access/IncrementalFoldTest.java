package dev.gatehouse.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.policy.AccessRequest;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Lock;
import dev.gatehouse.policy.NodeTarget;
import dev.gatehouse.policy.PolicyLoader;
import dev.gatehouse.recorder.AccessLog;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.StoreOptions;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The incremental catch-up (issue 13): two access services on one real SQLite store; after any
 * sequence of writes, hand-made rows and proofs, the state a catch-up folds from the new rows only
 * is the state a full fold of the whole log gives, and a catch-up after one write reads one row.
 */
class IncrementalFoldTest {
    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-11-25T10:00:00.123456Z"));
    private final Map<String, KeyPair> keys = new HashMap<>();
    private AuditStore store;
    private AccessLog real;
    private PolicyHolder policy;
    private JwsSigner signer;
    /** The rows the store is made to call unproven (a hand-made approval or unlock, or one whose event is not in yet). */
    private final Set<String> unprovenDecisions = new HashSet<>();
    private final Set<Long> unprovenLocks = new HashSet<>();

    @BeforeEach
    void setUp() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        signer = JwsSigner.es256(ec.generateKeyPair());
        store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + dir.resolve("audit.db"), "gw-0000000000000001",
                CheckpointSigner.of(signer::sign, signer::verify), clock));
        real = store.accessLog();
        for (String user : List.of("alice", "dan", "bob", "carol", "erin")) {
            keys.put(user, SshKeys.generateEd25519());
        }
        String text = """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                  - {name: dan, keys: ["%s"], roles: [engineer]}
                  - {name: bob, keys: ["%s"], roles: [approver, admin]}
                  - {name: carol, keys: ["%s"], roles: [approver, admin]}
                  - {name: erin, keys: ["%s"], roles: [approver]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:22", host_key: "%s", labels: {tenant: team-a}}
                  - {name: gpu-node-2, address: "127.0.0.2:22", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: approver, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: admin, permissions: [admin]}
                elevations:
                  - {login: mlops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 2, requesters: [engineer], approvers: [approver]}
                """.formatted(line("alice"), line("dan"), line("bob"), line("carol"), line("erin"), line("alice"), line("alice"));
        policy = new PolicyHolder(SshKeys.generateEd25519(), clock, PolicyLoader.parse(text, "policy.yaml"));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private String line(String user) {
        return SshKeys.toLine(keys.get(user).getPublic());
    }

    /** The store's log, with {@code unproven()} answered from the test's sets and the rows each read returns counted. */
    private AccessLog counted(AtomicInteger rowsRead, AtomicInteger unprovenCalls) {
        return (AccessLog) Proxy.newProxyInstance(AccessLog.class.getClassLoader(), new Class<?>[] {AccessLog.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("unproven")) {
                        unprovenCalls.incrementAndGet();
                        return new AccessLog.Unproven(unprovenDecisions, unprovenLocks);
                    }
                    Object out;
                    try {
                        out = method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (out instanceof Collection<?> rows && Set.of("requests", "allDecisions", "locks", "changesAfter")
                            .contains(method.getName())) {
                        rowsRead.addAndGet(rows.size());
                    }
                    return out;
                });
    }

    private AccessService service(AccessLog log) {
        AccessService s = new AccessService(policy, log, new AuditTrail(store, clock, true), new SessionRegistry(), signer, clock,
                Duration.ofHours(1), n -> { });
        s.load();
        return s;
    }

    private static Map<String, AccessRequest> byId(AccessState s) {
        return s.requests().stream().collect(Collectors.toMap(AccessRequest::id, Function.identity()));
    }

    /**
     * Random sequences of everything that moves the access state, by two instances on one store:
     * requests, approvals by several approvers (two needed), denials, cancels, revokes, expiries
     * and ends (the clock moves, a tick writes them), locks and unlocks, and approvals and unlocks
     * inserted by hand that no event proves, proven later or never. After every catch-up that
     * folded, each instance's state equals a full fold of the log.
     */
    @Test
    void theIncrementallyCaughtUpStateIsAFullFoldsState() {
        int compared = 0;
        int folds = 0;
        int fullFolds = 0;
        for (long seed = 1; seed <= 4; seed++) {
            Random random = new Random(seed);
            AtomicInteger ignore = new AtomicInteger();
            AccessLog log = counted(ignore, new AtomicInteger());
            AccessService a = service(log);
            AccessService b = service(log);
            List<AccessService> both = List.of(a, b);
            List<String> ids = new ArrayList<>();
            for (int step = 0; step < 120; step++) {
                AccessService on = both.get(random.nextInt(2));
                String id = ids.isEmpty() ? null : ids.get(random.nextInt(ids.size()));
                String approver = List.of("bob", "carol", "erin").get(random.nextInt(3));
                Lock.Kind kind = random.nextBoolean() ? Lock.Kind.USER : Lock.Kind.NODE;
                String lockName = kind == Lock.Kind.USER ? (random.nextBoolean() ? "alice" : "dan") : "gpu-node-" + (1 + random.nextInt(2));
                try {
                    switch (random.nextInt(12)) {
                        case 0, 1 -> ids.add(on.request(random.nextBoolean() ? "alice" : "dan", "mlops",
                                NodeTarget.node("gpu-node-" + (1 + random.nextInt(2))), Duration.ofMinutes(30), "work").id());
                        case 2, 3 -> on.approve(approver, id, "ok");
                        case 4 -> on.deny(approver, id, "no");
                        case 5 -> on.cancel(on.state().request(id).map(AccessRequest::requester).orElse("alice"), id);
                        case 6 -> on.revoke("bob", id);
                        case 7 -> on.lock("bob", kind, lockName, "incident");
                        case 8 -> on.unlock("carol", kind, lockName);
                        case 9 -> {
                            clock.advance(Duration.ofSeconds(1 + random.nextInt(40 * 60)));
                            on.tick();
                        }
                        case 10 -> {
                            // hand-made: an approval or an unlock no gateway's event proves (yet)
                            // (an approval of a pending request: what another instance's honest one is)
                            if (random.nextBoolean() && id != null && on.state().request(id).orElseThrow().state()
                                    == dev.gatehouse.policy.RequestState.PENDING) {
                                long seq = real.appendDecision(new AccessLog.DecisionRow(id, 0, "approve", "erin", null,
                                        clock.instant(), null, null));
                                unprovenDecisions.add(id + "#" + seq);
                            } else {
                                long seq = real.appendLock(new AccessLog.LockRow(0, "unlock", kind.name().toLowerCase(),
                                        lockName, "mallory", null, clock.instant()));
                                unprovenLocks.add(seq);
                            }
                        }
                        default -> {
                            // its proving event arrives (late), or not
                            if (!unprovenDecisions.isEmpty() && random.nextBoolean()) {
                                unprovenDecisions.remove(unprovenDecisions.iterator().next());
                            } else if (!unprovenLocks.isEmpty()) {
                                unprovenLocks.remove(unprovenLocks.iterator().next());
                            }
                        }
                    }
                } catch (AccessService.Refused | NullPointerException | IllegalArgumentException e) {
                    // refused (or no request yet): nothing stored
                }
                for (AccessService s : both) {
                    if (s.catchUp()) {
                        folds++;
                        AccessState full = s.rebuiltFromLog();
                        assertThat(byId(s.state())).as("seed %d step %d requests", seed, step).isEqualTo(byId(full));
                        assertThat(s.state().locks()).as("seed %d step %d locks", seed, step).isEqualTo(full.locks());
                        compared++;
                    }
                }
            }
            fullFolds += a.fullFolds() + b.fullFolds();
            unprovenDecisions.clear();
            unprovenLocks.clear();
        }
        assertThat(compared).as("states compared").isGreaterThan(300);
        assertThat(fullFolds).as("full folds: the starts, and the late proofs").isLessThan(folds / 4);
    }

    /**
     * Issue 13's cost: with a long history, one new row on another instance made every instance
     * read the whole log again. A catch-up after one write now reads that one row (and asks for
     * proofs only when the row is an approval or an unlock).
     */
    @Test
    void aCatchUpAfterOneWriteReadsOnlyTheNewRow() {
        AccessService writer = service(real);
        for (int i = 0; i < 20; i++) {
            AccessRequest r = writer.request(i % 2 == 0 ? "alice" : "dan", "mlops", NodeTarget.node("gpu-node-1"),
                    Duration.ofMinutes(30), "history " + i);
            writer.approve("bob", r.id(), null);
            writer.deny("carol", r.id(), "no");
            writer.lock("bob", Lock.Kind.NODE, "gpu-node-2", "history");
            writer.unlock("bob", Lock.Kind.NODE, "gpu-node-2");
        }
        AtomicInteger rowsRead = new AtomicInteger();
        AtomicInteger unprovenCalls = new AtomicInteger();
        AccessService reader = service(counted(rowsRead, unprovenCalls));
        assertThat(rowsRead.get()).as("the start reads everything").isGreaterThanOrEqualTo(100);

        rowsRead.set(0);
        unprovenCalls.set(0);
        AccessRequest r = writer.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "new");
        assertThat(reader.catchUp()).isTrue();
        assertThat(rowsRead.get()).as("rows read by the catch-up").isEqualTo(1);
        assertThat(unprovenCalls.get()).as("a request needs no proof").isZero();
        assertThat(reader.state().request(r.id())).isPresent();

        rowsRead.set(0);
        writer.approve("bob", r.id(), "ok");
        assertThat(reader.catchUp()).isTrue();
        assertThat(rowsRead.get()).isEqualTo(1);
        assertThat(unprovenCalls.get()).as("an approval is folded only when proven").isEqualTo(1);
        assertThat(reader.state().request(r.id()).orElseThrow().approvals()).hasSize(1);
        assertThat(reader.fullFolds()).as("only the start").isEqualTo(1);
    }
}
