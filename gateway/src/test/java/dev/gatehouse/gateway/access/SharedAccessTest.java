package dev.gatehouse.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.gateway.auth.SecretBox;
import dev.gatehouse.gateway.auth.Totp;
import dev.gatehouse.gateway.auth.TotpSecret;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.policy.AccessRequest;
import dev.gatehouse.policy.Lock;
import dev.gatehouse.policy.NodeTarget;
import dev.gatehouse.policy.PolicyLoader;
import dev.gatehouse.policy.RequestState;
import dev.gatehouse.recorder.AccessLog;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.ChangeFeed;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.LeaderLock;
import dev.gatehouse.recorder.StoreOptions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateway instances' access services on one real PostgreSQL database (127.0.0.1:5432, test;
 * a schema of its own per test), in one JVM with one test clock: each has its own store (its own
 * chain), session registry and, where the test says so, its change feed and leader lock, as two
 * processes would (issue 13).
 */
class SharedAccessTest {
    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    private final TestClock clock = new TestClock(Instant.parse("2026-11-25T10:00:00.123456Z"));
    private final Map<String, KeyPair> keys = new HashMap<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private String schema;
    private KeyPair auditKey;
    private JwsSigner signer;
    private String policyText;

    /** One gateway instance: its store, sessions and service. */
    final class Instance {
        final AuditStore store;
        final SessionRegistry sessions = new SessionRegistry();
        final AccessService service;
        final PolicyHolder policy;
        final LeaderLock leader;

        Instance(String chain, ChangeFeed feed, LeaderLock leader) {
            this.leader = leader;
            CheckpointSigner checkpoints = CheckpointSigner.of(signer::sign, signer::verify);
            store = AuditStore.open(StoreOptions.defaults(url(), chain, checkpoints, clock));
            closing.add(store);
            if (feed != null) {
                closing.add(0, feed);
            }
            closing.add(0, leader);
            policy = new PolicyHolder(SshKeys.generateEd25519(), clock, PolicyLoader.parse(policyText, "policy.yaml"));
            service = new AccessService(policy, store.accessLog(), new AuditTrail(store, clock, true), sessions, signer, clock,
                    Duration.ofHours(1), n -> { }, feed, leader);
            service.load();
        }

        FakeSession session(String user, String login, String grant) {
            FakeSession s = new FakeSession(this, user, login, grant);
            sessions.add(s);
            return s;
        }
    }

    /** A live session that only remembers being terminated. */
    final class FakeSession implements LiveSession {
        final Instance on;
        final String user;
        final String login;
        final String grant;
        volatile String terminatedBecause;

        FakeSession(Instance on, String user, String login, String grant) {
            this.on = on;
            this.user = user;
            this.login = login;
            this.grant = grant;
        }

        public String id() { return "s-" + user + login; }
        public String user() { return user; }
        public String keyFingerprint() { return SshKeys.fingerprint(keys.get(user).getPublic()); }
        public String login() { return login; }
        public String node() { return "gpu-node-1"; }
        public String kindName() { return "shell"; }
        public Instant start() { return Instant.EPOCH; }
        public String userTenant() { return null; }
        public String nodeTenant() { return "team-a"; }
        public String grantId() { return grant; }
        public Instant grantEnd() { return null; }
        public int warningsSent() { return 0; }
        public void warn(int level, String line) { }
        public void flushRecording() { }
        public void terminate(String reason) {
            if (terminatedBecause == null) {
                terminatedBecause = reason;
            }
            on.sessions.remove(id());
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        schema = "gh_shared_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("CREATE SCHEMA " + schema);
        }
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        auditKey = ec.generateKeyPair(); // the same data/keys on every instance
        signer = JwsSigner.es256(auditKey);
        for (String user : List.of("alice", "bob")) {
            keys.put(user, SshKeys.generateEd25519());
        }
        policyText = """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                  - {name: bob, keys: ["%s"], roles: [approver, admin]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:22", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: approver, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: admin, permissions: [admin]}
                elevations:
                  - {login: mlops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver]}
                """.formatted(line("alice"), line("bob"), line("alice"));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    private String url() {
        return SERVER + "&currentSchema=" + schema;
    }

    private String line(String user) {
        return SshKeys.toLine(keys.get(user).getPublic());
    }

    private Instance instance(String chain) {
        return new Instance(chain, null, LeaderLock.always());
    }

    private Instance withFeed(String chain) {
        return new Instance(chain, ChangeFeed.forStore(url(), Duration.ofSeconds(1)), LeaderLock.always());
    }

    private Instance withLeaderLock(String chain) {
        return new Instance(chain, null, LeaderLock.forStore(url(), "access-timers"));
    }

    /**
     * Threat (issue 13): a lock set on A left the user's session on B running, and B accepted new
     * sessions. Through the feed, B cuts it within 2 s with the line A's own sessions get, and
     * refuses her from then on.
     */
    @Test
    void aLockOnOneInstanceCutsTheSessionOnTheOtherWithinTwoSeconds() {
        Instance a = withFeed("gw-a");
        Instance b = withFeed("gw-b");
        FakeSession onB = b.session("alice", "aiops", null);
        a.service.lock("bob", Lock.Kind.USER, "alice", "incident 7");
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(onB.terminatedBecause).isEqualTo("user 'alice' was locked by bob"));
        assertThat(b.service.state().locksMatching("alice", null, "aiops", "gpu-node-1", "team-a")).hasSize(1);
    }

    /** Threat: a revoke on A left the elevated session on B running. B ends it within 2 s, naming who revoked it. */
    @Test
    void aRevokeOnOneInstanceCutsTheGrantsSessionOnTheOther() {
        Instance a = withFeed("gw-a");
        Instance b = withFeed("gw-b");
        AccessRequest r = b.service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "driver");
        b.service.approve("bob", r.id(), null);
        FakeSession elevated = b.session("alice", "mlops", r.id());
        await().atMost(Duration.ofSeconds(2)).until(() -> a.service.state().request(r.id()).isPresent()
                && a.service.state().request(r.id()).get().state() == RequestState.ACTIVE);
        a.service.revoke("bob", r.id());
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(elevated.terminatedBecause).isEqualTo("grant " + r.id() + " was revoked by bob"));
        assertThat(b.service.state().request(r.id()).orElseThrow().state()).isEqualTo(RequestState.REVOKED);
    }

    /** A grant approved on A is usable on B without a restart (it was refused on B until B restarted). */
    @Test
    void aGrantApprovedOnOneInstanceIsUsableOnTheOther() {
        Instance a = withFeed("gw-a");
        Instance b = withFeed("gw-b");
        AccessRequest r = b.service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "driver");
        a.service.approve("bob", r.id(), "ok"); // A had never read it: the write caught up first
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(b.service.state()
                .activeGrant("alice", "mlops", b.policy.current().policy().node("gpu-node-1").orElseThrow(), clock.instant()))
                .isPresent());
    }

    /**
     * Every write catches up first, so the state machine judges the newest state: B, which heard
     * nothing (no feed), refuses a second approval of what A denied, and unlocks what A locked.
     */
    @Test
    void everyWriteJudgesTheNewestState() {
        Instance a = instance("gw-a");
        Instance b = instance("gw-b");
        AccessRequest r = a.service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "driver");
        a.service.deny("bob", r.id(), "not now");
        assertThatThrownBy(() -> b.service.approve("bob", r.id(), null)).isInstanceOf(AccessService.Refused.class)
                .hasMessageContaining("denied");
        assertThat(a.store.accessLog().decisions(r.id())).extracting(AccessLog.DecisionRow::action).containsExactly("deny");
        a.service.lock("bob", Lock.Kind.NODE, "gpu-node-1", null);
        b.service.unlock("bob", Lock.Kind.NODE, "gpu-node-1"); // B learns of the lock as it writes
        // B's unlock counts on A once B's own event proves it (committed a moment after the row)
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            a.service.catchUp();
            assertThat(a.service.state().locks()).isEmpty();
        });
        assertThat(a.service.catchUp()).as("nothing new").isFalse();
    }

    /**
     * Threat (duplicate writes): each instance's once-a-second tick writing the same expiry. Only
     * the leader writes; the other holds it in memory until the leader's row arrives; when the
     * leader stops, the other takes over.
     */
    @Test
    void onlyTheLeaderWritesExpiriesAndTheOtherTakesOver() {
        Instance a = withLeaderLock("gw-a");
        Instance b = withLeaderLock("gw-b");
        AccessRequest first = a.service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "one");
        b.service.catchUp();
        clock.advance(Duration.ofHours(1).plusSeconds(1)); // past the pending timeout
        b.service.tick();
        a.service.tick();
        b.service.tick();
        assertThat(a.store.accessLog().decisions(first.id())).extracting(AccessLog.DecisionRow::action).containsExactly("expire");
        assertThat(a.service.state().request(first.id()).orElseThrow().state()).isEqualTo(RequestState.EXPIRED);
        assertThat(b.service.state().request(first.id()).orElseThrow().state()).isEqualTo(RequestState.EXPIRED);

        Instance leader = a.leader.lead() ? a : b;
        Instance other = leader == a ? b : a;
        assertThat(other.leader.lead()).as("never both").isFalse();
        leader.service.stopLeading(); // it stops (or dies: its connection goes, and its lock with it)
        AccessRequest second = other.service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "two");
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        leader.service.tick();
        assertThat(other.store.accessLog().decisions(second.id())).as("the stopped leader writes nothing").isEmpty();
        other.service.tick();
        assertThat(other.store.accessLog().decisions(second.id())).extracting(AccessLog.DecisionRow::action).containsExactly("expire");
    }


    /**
     * Threat: a TOTP code accepted on A replayed on B within the same 30 s step (B read accepted
     * steps from audit events A writes asynchronously). The step is claimed in the store.
     */
    @Test
    void aTotpCodeAcceptedOnOneInstanceIsRefusedOnTheOther() {
        Instance a = instance("gw-a");
        Instance b = instance("gw-b");
        SecretBox box = new SecretBox(auditKey.getPrivate().getEncoded()); // the shared audit key
        SecondFactor onA = new SecondFactor(a.store.accessLog(), new AuditTrail(a.store, clock, true), box, clock);
        SecondFactor onB = new SecondFactor(b.store.accessLog(), new AuditTrail(b.store, clock, true), box, clock);
        SecondFactor.Enrolment e = onA.enroll("alice");
        assertThat(onB.enrolled("alice")).isTrue();
        String code = new Totp(clock).codeAt(TotpSecret.fromBase32(e.secretBase32()), clock.instant());
        assertThat(onA.verify("alice", code)).isPresent();
        assertThat(onB.verify("alice", code)).as("replayed on B in the same step").isEmpty();
        clock.advance(Duration.ofSeconds(30));
        String next = new Totp(clock).codeAt(TotpSecret.fromBase32(e.secretBase32()), clock.instant());
        assertThat(onB.verify("alice", next)).as("the next step's code works on B").isPresent();
        assertThat(onA.verify("alice", next)).isEmpty();
    }
}
