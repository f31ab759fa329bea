package dev.gatehouse.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.FakeLiveShell;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.gateway.session.TerminalObserver;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.policy.PolicyLoader;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.ChangeFeed;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.InstanceRegistry;
import dev.gatehouse.recorder.StoreOptions;
import dev.gatehouse.recorder.StoredEvent;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateway instances on one PostgreSQL database (a fresh schema of the machine's
 * 127.0.0.1:5432), in one process: each its own chain, session registry, change feed and
 * directory, as two processes have; a fake clock decides who is dead. Threat: an admin on one
 * instance cannot see or stop a session on another (the kill switch misses it), or another
 * tenant's admin sees or stops it through the other instance.
 */
class LiveDirectoryTest {
    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    static final Duration DEAD_AFTER = Duration.ofSeconds(10);

    final TestClock clock = new TestClock(Instant.parse("2026-11-30T05:00:00Z"));
    final Map<String, KeyPair> keys = new java.util.HashMap<>();
    final List<AutoCloseable> closing = new ArrayList<>();
    String schema;
    PolicyHolder holder;
    Node a;
    Node b;

    /** One instance: store (own chain), audit trail, registry, feed, directory, live-session service. */
    final class Node {
        final AuditStore store;
        final AuditTrail audit;
        final SessionRegistry registry = new SessionRegistry();
        final ChangeFeed feed = ChangeFeed.polling(Duration.ofMillis(50));
        final LiveDirectory directory;
        final LiveSessions live;

        Node(String chain, String name) throws Exception {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            JwsSigner signer = JwsSigner.es256(g.generateKeyPair());
            store = AuditStore.open(StoreOptions.defaults(SERVER + "&currentSchema=" + schema, chain,
                    CheckpointSigner.of(signer::sign, signer::verify), clock));
            audit = new AuditTrail(store, clock, true);
            directory = new LiveDirectory(store.instanceRegistry(), registry, audit, feed, clock, chain, name, DEAD_AFTER,
                    Duration.ofSeconds(5));
            directory.register("127.0.0.1:2222", null);
            directory.start();
            live = new LiveSessions(holder, audit, registry, directory);
            closing.add(0, () -> {
                directory.close();
                feed.close();
                store.close();
            });
        }

        /** This instance's own events of {@code type} (the database holds both chains). */
        List<AuditEvent> events(String type) {
            store.flush();
            return store.events(new EventQuery(type, null, null, null, 1000)).stream()
                    .filter(e -> e.chainId().equals(store.chainId())).map(StoredEvent::event).toList();
        }
    }

    @BeforeEach
    void start() throws Exception {
        schema = "gh_live_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("CREATE SCHEMA " + schema);
        }
        for (String user : List.of("alice", "erin", "zed", "dan")) {
            keys.put(user, SshKeys.generateEd25519());
        }
        holder = new PolicyHolder(SshKeys.generateEd25519(), clock, PolicyLoader.parse(policy(), "policy.yaml"));
        a = new Node("gw-a-chain", "gw-a");
        b = new Node("gw-b-chain", "gw-b");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    String policy() {
        return """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer], tenant: team-a}
                  - {name: erin, keys: ["%s"], roles: [admin], tenant: team-a}
                  - {name: zed, keys: ["%s"], roles: [admin], tenant: team-b}
                  - {name: dan, keys: ["%s"], roles: [auditor], tenant: team-a}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:9", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: admin, permissions: [admin]}
                  - {name: auditor, permissions: [audit]}
                """.formatted(line("alice"), line("erin"), line("zed"), line("dan"), line("alice"));
    }

    String line(String user) {
        return SshKeys.toLine(keys.get(user).getPublic());
    }

    static LiveSessions.Actor actor(String user) {
        return new LiveSessions.Actor(user, "192.0.2.7:50000", "shell", null);
    }

    @Test
    void everyInstanceListsTheOthersSessionsWithTheirInstanceAndTenantRules() {
        FakeShell shell = new FakeShell("01M8LIVEB00000000000000001");
        b.registry.add(shell);
        b.directory.heartbeat();

        List<LiveSession> seen = a.live.list(actor("erin"));
        assertThat(seen).extracting(LiveSession::id).containsExactly(shell.id());
        Map<String, Object> row = a.live.describe(seen.get(0));
        assertThat(row).containsEntry("instance", "gw-b").containsEntry("state", "live").containsEntry("user", "alice")
                .containsEntry("node", "gpu-node-1").containsEntry("bytes_out", 4096L).containsEntry("kind", "shell");
        assertThat(b.live.describe(b.live.list(actor("erin")).get(0))).containsEntry("instance", "gw-b")
                .containsEntry("state", "live");
        // another tenant's admin sees nothing, on either instance, and cannot stop it from the other one
        assertThat(a.live.list(actor("zed"))).isEmpty();
        assertThatThrownBy(() -> a.live.terminate(actor("zed"), shell.id(), "mine now"))
                .isInstanceOfSatisfying(LiveSessions.Refused.class, e -> assertThat(e.kind()).isEqualTo(LiveSessions.Refused.Kind.NOT_FOUND));
        assertThat(b.store.instanceRegistry().pending("gw-b-chain")).isEmpty();
        assertThat(shell.terminated).isEmpty();
    }

    @Test
    void aTerminateOnOneInstanceEndsTheSessionOnItsOwnerAuditedOnBoth() {
        FakeShell shell = new FakeShell("01M8LIVEB00000000000000002");
        b.registry.add(shell);
        b.directory.heartbeat();

        LiveSession done = a.live.terminate(actor("erin"), shell.id(), "runaway job");

        assertThat(done.id()).isEqualTo(shell.id());
        assertThat(shell.terminated).containsExactly("session terminated by erin: runaway job");
        assertThat(b.events("session.terminated")).singleElement().satisfies(e -> {
            assertThat(e.user()).isEqualTo("erin");
            assertThat(e.sessionId()).isEqualTo(shell.id());
            assertThat(e.details()).containsEntry("via_instance", "gw-a").containsEntry("reason", "runaway job")
                    .containsEntry("session_user", "alice");
        });
        assertThat(a.events("session.terminate_forwarded")).singleElement().satisfies(e ->
                assertThat(e.details()).containsEntry("instance", "gw-b").containsEntry("reason", "runaway job"));
        assertThat(a.events("session.terminated")).isEmpty();
        assertThat(b.store.instanceRegistry().pending("gw-b-chain")).isEmpty();
    }

    @Test
    void anInstanceThatStopsHeartbeatingIsListedDeadAndRefusesTerminationNamingIt() throws Exception {
        FakeShell shell = new FakeShell("01M8LIVEB00000000000000003");
        b.registry.add(shell);
        b.directory.heartbeat();
        Instant lastSeen = clock.instant();
        // b is killed -9: no graceful stop, no more heartbeats (not even the one the add above
        // scheduled, which otherwise could run after the clock moves and keep b alive)
        b.directory.halt();
        b.feed.close();
        clock.advance(DEAD_AFTER.plusSeconds(1));

        LiveSession listed = a.live.list(actor("erin")).get(0);
        assertThat(a.live.describe(listed)).containsEntry("state", "dead").containsEntry("instance", "gw-b");
        assertThatThrownBy(() -> a.live.terminate(actor("erin"), shell.id(), "stuck"))
                .isInstanceOfSatisfying(LiveSessions.Refused.class, e -> {
                    assertThat(e.kind()).isEqualTo(LiveSessions.Refused.Kind.CONFLICT);
                    assertThat(e.getMessage()).contains("instance gw-b").contains(lastSeen.toString()).contains("dead");
                });
        assertThat(shell.terminated).isEmpty();
        assertThat(a.events("terminate.refused")).hasSize(1);

        // the same instance starting again removes what its crash left
        b.store.instanceRegistry().register(new dev.gatehouse.recorder.InstanceRegistry.Instance("gw-b-chain", "gw-b",
                clock.instant(), clock.instant(), null, null, null), DEAD_AFTER);
        assertThat(a.live.list(actor("erin"))).isEmpty();
    }

    /** Threat: a copied instance-id makes a second process write the same chain; it is refused while the first heartbeats. */
    @Test
    void aSecondInstanceWithTheSameChainIsRefusedWhileTheFirstHeartbeats() {
        clock.advance(Duration.ofSeconds(9));
        b.directory.heartbeat();
        LiveDirectory copy = new LiveDirectory(b.store.instanceRegistry(), new SessionRegistry(), b.audit, b.feed, clock,
                "gw-b-chain", "gw-c", DEAD_AFTER);
        assertThatThrownBy(() -> copy.register(null, null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("data_dir/instance-id copied from another instance?").hasMessageContaining("'gw-b'");
    }

    @Test
    void observingAnotherInstancesSessionIsRefusedNamingIt() {
        FakeShell shell = new FakeShell("01M8LIVEB00000000000000004");
        b.registry.add(shell);
        b.directory.heartbeat();
        assertThatThrownBy(() -> a.live.find(actor("dan"), shell.id()))
                .isInstanceOfSatisfying(LiveSessions.Refused.class, e -> {
                    assertThat(e.kind()).isEqualTo(LiveSessions.Refused.Kind.CONFLICT);
                    assertThat(e.getMessage()).isEqualTo("session " + shell.id() + " is on instance gw-b; observe it from gw-b");
                });
        assertThat(shell.observers).isEmpty();
    }

    @Test
    void theHeartbeatCarriesByteCountersAndAnEndedSessionLeavesTheList() {
        FakeShell shell = new FakeShell("01M8LIVEB00000000000000005");
        b.registry.add(shell);
        b.directory.heartbeat();
        shell.out.set(9000);
        b.directory.heartbeat();
        assertThat(a.live.list(actor("erin"))).singleElement().extracting(LiveSession::bytesOut).isEqualTo(9000L);

        b.registry.remove(shell.id());
        // the registry's change triggers a sync on its own: no heartbeat call here
        await().atMost(Duration.ofSeconds(5)).until(() -> a.live.list(actor("erin")).isEmpty());
    }

    /**
     * A heartbeat asked for while the registry's thread is still writing an older list (here: the
     * one taken before the session started) is written after it, never before: otherwise the older
     * list commits last and the session vanishes from every other instance's list until the next
     * sync (the flaky aTerminateOnOneInstance... failure, "no live session").
     */
    @Test
    void aHeartbeatIsWrittenAfterTheSyncAlreadyRunningNotBeforeIt() throws Exception {
        HeldRegistry held = new HeldRegistry(b.store.instanceRegistry());
        SessionRegistry sessions = new SessionRegistry();
        LiveDirectory c = held.directory(sessions);
        c.syncSoon(); // the registry's thread takes the list (empty) and is held inside its write
        assertThat(held.entered.await(10, TimeUnit.SECONDS)).isTrue();
        FakeShell shell = new FakeShell("01M8LIVEC00000000000000001");
        sessions.add(shell); // no start(): no sync of its own is queued for this change

        Thread beating = new Thread(c::heartbeat, "test-heartbeat");
        beating.start();
        // either it wrote at once, beside the held write, or it waits behind it
        await().atMost(Duration.ofSeconds(10)).until(() -> held.written.get() == 1 || beating.getState() == Thread.State.WAITING);
        held.release.countDown();
        beating.join(10_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> held.written.get() == 2);

        assertThat(held.real.sessions()).extracting(InstanceRegistry.LiveRow::sessionId).containsExactly(shell.id());
    }

    /**
     * Threat: a heartbeat still writing when the instance stops gracefully commits after the stop and
     * puts its session rows back; other instances then list sessions that ended as sessions of a
     * dead instance (and refuse to terminate them) until this chain starts again.
     */
    @Test
    void aGracefulStopWaitsForTheHeartbeatWritingSoNoRowOutlivesIt() throws Exception {
        HeldRegistry held = new HeldRegistry(b.store.instanceRegistry());
        SessionRegistry sessions = new SessionRegistry();
        LiveDirectory c = held.directory(sessions);
        sessions.add(new FakeShell("01M8LIVEC00000000000000002"));
        c.syncSoon(); // the registry's thread takes the list (one session) and is held inside its write
        assertThat(held.entered.await(10, TimeUnit.SECONDS)).isTrue();

        Thread stopping = new Thread(c::close, "test-stop");
        stopping.start();
        // either it recorded the stop at once, beside the held write, or it waits for that write
        await().atMost(Duration.ofSeconds(10)).until(() -> held.stops.get() == 1 || stopping.getState() == Thread.State.TIMED_WAITING);
        held.release.countDown();
        stopping.join(20_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> held.written.get() == 1 && held.stops.get() == 1);

        assertThat(held.real.sessions()).isEmpty();
        assertThat(c.instance("gw-c-chain")).get().extracting(dev.gatehouse.recorder.InstanceRegistry.Instance::stoppedAt)
                .isNotNull();
    }

    /** The store of instance b, whose first sync waits inside the registry until the test releases it. */
    final class HeldRegistry {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger syncs = new AtomicInteger();
        final AtomicInteger written = new AtomicInteger();
        final AtomicInteger stops = new AtomicInteger();
        final InstanceRegistry real;
        final InstanceRegistry held;

        HeldRegistry(InstanceRegistry real) {
            this.real = real;
            this.held = (InstanceRegistry) Proxy.newProxyInstance(InstanceRegistry.class.getClassLoader(),
                    new Class<?>[] {InstanceRegistry.class}, (proxy, method, args) -> {
                        boolean sync = method.getName().equals("sync");
                        if (sync && syncs.incrementAndGet() == 1) {
                            entered.countDown();
                            // uninterruptibly, as a JDBC statement waits (close() interrupts this thread)
                            boolean interrupted = false;
                            while (true) {
                                try {
                                    release.await(10, TimeUnit.SECONDS);
                                    break;
                                } catch (InterruptedException e) {
                                    interrupted = true;
                                }
                            }
                            if (interrupted) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        } finally {
                            if (sync) {
                                written.incrementAndGet();
                            } else if (method.getName().equals("stopped")) {
                                stops.incrementAndGet();
                            }
                        }
                    });
        }

        /** A third instance, gw-c, registered on this store; not started (nothing syncs on its own). */
        LiveDirectory directory(SessionRegistry sessions) {
            LiveDirectory c = new LiveDirectory(held, sessions, b.audit, b.feed, clock, "gw-c-chain", "gw-c", DEAD_AFTER);
            closing.add(0, c::close);
            c.register(null, null);
            return c;
        }
    }

    /**
     * Threat: observers arriving in a burst all pass a count taken before any of them registered,
     * so a session gets more than {@value LiveSessions#MAX_OBSERVERS} watchers (each holding up to 1 MiB).
     */
    @Test
    void aBurstOfObserversGetsAtMostTheCap() throws Exception {
        FakeShell shell = new FakeShell("01M8LIVEA00000000000000006");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger arrived = new AtomicInteger();
        shell.gate = () -> {
            arrived.incrementAndGet();
            release.await(10, TimeUnit.SECONDS);
        };
        a.registry.add(shell);
        int burst = 3 * LiveSessions.MAX_OBSERVERS;
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(burst);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < burst; i++) {
                results.add(pool.submit(() -> {
                    try {
                        a.live.observe(actor("dan"), shell.id(), new NullObserver());
                        return true;
                    } catch (LiveSessions.Refused e) {
                        refused.incrementAndGet();
                        return false;
                    }
                }));
            }
            // every observer is either refused or inside observe() at once, then all go on together
            await().atMost(Duration.ofSeconds(20)).until(() -> arrived.get() + refused.get() == burst);
            release.countDown();
            int admitted = 0;
            for (Future<Boolean> f : results) {
                admitted += f.get(20, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(admitted).isEqualTo(LiveSessions.MAX_OBSERVERS);
            assertThat(shell.observers).hasSize(LiveSessions.MAX_OBSERVERS);
        } finally {
            pool.shutdownNow();
        }
    }

    static final class NullObserver implements TerminalObserver {
        @Override public void resize(int cols, int rows) { }
        @Override public void output(byte[] data, int offset, int length) { }
        @Override public void ended() { }
        @Override public void stopped(String reason) { }
    }

    static final class FakeShell extends FakeLiveShell {
        FakeShell(String id) {
            super(id, Instant.parse("2026-11-30T04:59:00Z"));
        }
    }
}
