package dev.gatehouse.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.StoreOptions;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The elevation service on a real SQLite store with a clock the test moves. */
class AccessServiceTest {
    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(Instant.parse("2026-11-25T10:00:00.123456789Z"));
    private final SessionRegistry sessions = new SessionRegistry();
    private final List<Map<String, Object>> notifications = new ArrayList<>();
    private AuditStore store;
    private PolicyHolder policy;
    private JwsSigner signer;
    private AccessService service;

    /** User name to the key pair in the policy. */
    private final Map<String, KeyPair> keys = new java.util.HashMap<>();
    private String policyText;

    /** A live session that only remembers being terminated. */
    final class FakeSession implements LiveSession {
        final String user;
        final String login;
        final String grant;
        final String node;
        String terminatedBecause;

        FakeSession(String user, String login, String grant) {
            this(user, login, grant, "gpu-node-1");
        }

        FakeSession(String user, String login, String grant, String node) {
            this.user = user;
            this.login = login;
            this.grant = grant;
            this.node = node;
        }

        public String id() { return "s-" + user + login; }
        public String user() { return user; }
        public String keyFingerprint() { return SshKeys.fingerprint(keys.get(user).getPublic()); }
        public String login() { return login; }
        public String node() { return node; }
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
            // like a real session: ends once, and leaves the registry
            if (terminatedBecause == null) {
                terminatedBecause = reason;
            }
            sessions.remove(id());
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair auditKey = ec.generateKeyPair();
        signer = JwsSigner.es256(auditKey);
        CheckpointSigner checkpoints = CheckpointSigner.of(signer::sign, signer::verify);
        store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + dir.resolve("audit.db"), "gw-0000000000000001", checkpoints, clock));
        for (String user : List.of("alice", "bob", "dan")) {
            keys.put(user, SshKeys.generateEd25519());
        }
        policyText = """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                  - {name: bob, keys: ["%s"], roles: [approver, admin]}
                  - {name: dan, keys: ["%s"], roles: [engineer]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:22", host_key: "%s", labels: {tenant: team-a}}
                  - {name: gpu-node-2, address: "127.0.0.2:22", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: approver, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: admin, permissions: [admin]}
                elevations:
                  - {login: mlops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver]}
                """.formatted(line("alice"), line("bob"), line("dan"), line("alice"), line("alice"));
        policy = new PolicyHolder(SshKeys.generateEd25519(), clock, PolicyLoader.parse(policyText, "policy.yaml"));
        service = newService();
        service.load();
    }

    private String line(String user) {
        return SshKeys.toLine(keys.get(user).getPublic());
    }

    /** The policy reloaded with one piece of text replaced. */
    private void reloadWith(String from, String to) {
        assertThat(policyText).contains(from);
        policyText = policyText.replace(from, to);
        policy.replace(PolicyLoader.parse(policyText, "policy.yaml"));
    }

    private AccessService newService() {
        return new AccessService(policy, store.accessLog(), new AuditTrail(store, clock, true), sessions, signer, clock,
                Duration.ofHours(1), notifications::add);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void anApprovedGrantIsSignedPersistedAndRebuiltAfterARestart() throws Exception {
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "driver");
        clock.advance(Duration.ofSeconds(120));
        AccessRequest active = service.approve("bob", r.id(), "ok");
        assertThat(active.state()).isEqualTo(RequestState.ACTIVE);
        assertThat(active.windowStart()).isEqualTo(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        assertThat(active.windowEnd()).isEqualTo(active.windowStart().plus(Duration.ofMinutes(30)));

        AccessLog.DecisionRow decision = store.accessLog().decisions(r.id()).get(0);
        JsonNode claims = new ObjectMapper().readTree(signer.verify(decision.jws()));
        assertThat(claims.path("actor").asText()).isEqualTo("bob");
        assertThat(claims.path("request").asText()).isEqualTo(r.id());
        assertThat(claims.path("state").asText()).isEqualTo("active");
        assertThat(claims.path("time").asText()).isEqualTo(decision.time().toString());

        AccessService restarted = newService();
        restarted.load();
        AccessRequest rebuilt = restarted.state().request(r.id()).orElseThrow();
        assertThat(rebuilt.state()).isEqualTo(RequestState.ACTIVE);
        assertThat(rebuilt.windowEnd()).isEqualTo(active.windowEnd());
        assertThat(rebuilt.approvals()).extracting(a -> a.approver()).containsExactly("bob");
        assertThat(notifications).extracting(n -> n.get("event")).containsExactly("request.created", "grant.active");
    }

    @Test
    void selfApprovalIsRefusedAndChangesNothing() {
        // Threat: an engineer elevates themselves without a second person.
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "x");
        assertThatThrownBy(() -> service.approve("alice", r.id(), null))
                .isInstanceOf(AccessService.Refused.class).hasMessage("you cannot approve your own request");
        assertThat(store.accessLog().decisions(r.id())).isEmpty();
        assertThat(service.state().request(r.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    }

    @Test
    void aGrantThatRunsOutEndsItsSessionsAndStaysEndedAfterARestart() {
        // Threat: access that outlives its approval window.
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(10), "x");
        service.approve("bob", r.id(), null);
        FakeSession elevated = new FakeSession("alice", "mlops", r.id());
        sessions.add(elevated);
        clock.advance(Duration.ofMinutes(11));
        service.tick();
        assertThat(service.state().request(r.id()).orElseThrow().state()).isEqualTo(RequestState.ENDED);
        assertThat(elevated.terminatedBecause).contains("has ended");
        assertThat(store.accessLog().decisions(r.id())).extracting(AccessLog.DecisionRow::action).containsExactly("approve", "end");

        AccessService restarted = newService();
        restarted.load();
        assertThat(restarted.state().request(r.id()).orElseThrow().state()).isEqualTo(RequestState.ENDED);
    }

    @Test
    void aPendingRequestExpiresWhileTheGatewayIsDown() {
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(10), "x");
        clock.advance(Duration.ofHours(2));
        AccessService restarted = newService();
        restarted.load();
        assertThat(restarted.state().request(r.id()).orElseThrow().state()).isEqualTo(RequestState.EXPIRED);
        assertThat(store.accessLog().decisions(r.id())).extracting(AccessLog.DecisionRow::action).containsExactly("expire");
    }

    @Test
    void revokeEndsOnlyTheGrantsSessions() {
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(10), "x");
        service.approve("bob", r.id(), null);
        FakeSession elevated = new FakeSession("alice", "mlops", r.id());
        FakeSession standing = new FakeSession("alice", "aiops", null);
        sessions.add(elevated);
        sessions.add(standing);
        service.revoke("bob", r.id());
        assertThat(elevated.terminatedBecause).isEqualTo("grant " + r.id() + " was revoked by bob");
        assertThat(standing.terminatedBecause).isNull();
        assertThat(service.state().request(r.id()).orElseThrow().state()).isEqualTo(RequestState.REVOKED);
    }

    @Test
    void aLockCutsMatchingSessionsBlocksApprovalsAndSurvivesARestart() {
        // Threat: a compromised account keeps working after the kill switch is thrown.
        FakeSession alice = new FakeSession("alice", "aiops", null);
        FakeSession dan = new FakeSession("dan", "aiops", null);
        sessions.add(alice);
        sessions.add(dan);
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(10), "x");
        service.lock("bob", Lock.Kind.USER, "alice", "incident");
        assertThat(alice.terminatedBecause).isEqualTo("user 'alice' was locked by bob");
        assertThat(dan.terminatedBecause).isNull();
        assertThatThrownBy(() -> service.approve("bob", r.id(), null)).isInstanceOf(AccessService.Refused.class);

        AccessService restarted = newService();
        restarted.load();
        assertThat(restarted.state().locks()).extracting(Lock::name).containsExactly("alice");
        restarted.unlock("bob", Lock.Kind.USER, "alice");
        AccessService again = newService();
        again.load();
        assertThat(again.state().locks()).isEmpty();
    }

    @Test
    void onlyAdminsLock() {
        assertThatThrownBy(() -> service.lock("alice", Lock.Kind.USER, "bob", null)).isInstanceOf(AccessService.Refused.class);
        assertThat(store.accessLog().locks()).isEmpty();
    }

    // ---- removing access ends access (R28) ----

    @Test
    void unlockChecksThePermissionBeforeLookingAtTheLock() {
        // Threat: a user without the admin permission probes who is locked through unlock's answers.
        assertThatThrownBy(() -> service.unlock("alice", Lock.Kind.USER, "dan"))
                .isInstanceOf(AccessService.Refused.class).hasMessage("you need the admin permission to unlock");
        service.lock("bob", Lock.Kind.USER, "dan", "incident");
        assertThatThrownBy(() -> service.unlock("alice", Lock.Kind.USER, "dan"))
                .isInstanceOf(AccessService.Refused.class).hasMessage("you need the admin permission to unlock");
        assertThat(service.state().locks()).extracting(Lock::name).containsExactly("dan");
    }

    @Test
    void aDisabledUsersGrantIsWithdrawnSignedAndItsSessionsEnd() throws Exception {
        // Threat: a person disabled in the policy keeps elevated access until the grant runs out.
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "driver");
        service.approve("bob", r.id(), null);
        FakeSession elevated = new FakeSession("alice", "mlops", r.id());
        FakeSession standing = new FakeSession("alice", "aiops", null);
        sessions.add(elevated);
        sessions.add(standing);

        reloadWith("{name: alice, keys: [\"" + line("alice") + "\"], roles: [engineer]}",
                "{name: alice, keys: [\"" + line("alice") + "\"], roles: [engineer], disabled: true}");
        service.enforce();

        AccessRequest after = service.state().request(r.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(RequestState.REVOKED);
        assertThat(after.closedBy()).isEqualTo("gatehouse");
        assertThat(elevated.terminatedBecause).isEqualTo("your access was removed: user 'alice' is disabled");
        assertThat(standing.terminatedBecause).isEqualTo("your access was removed: user 'alice' is disabled");
        AccessLog.DecisionRow withdrawal = store.accessLog().decisions(r.id()).get(1);
        assertThat(withdrawal.action()).isEqualTo("revoke");
        assertThat(withdrawal.actor()).isEqualTo("gatehouse");
        assertThat(new ObjectMapper().readTree(signer.verify(withdrawal.jws())).path("state").asText()).isEqualTo("revoked");
        assertThat(store.events(new dev.gatehouse.recorder.EventQuery("access.removed", "alice", null, null, 10)))
                .extracting(e -> e.event().details().get("reason")).contains("user 'alice' is disabled");

        AccessService restarted = newService();
        restarted.load();
        assertThat(restarted.state().request(r.id()).orElseThrow().state()).as("withdrawn stays withdrawn").isEqualTo(RequestState.REVOKED);
    }

    @Test
    void removingARoleEndsTheSessionsItAllowedAndLeavesOthersAlone() {
        FakeSession dan = new FakeSession("dan", "aiops", null);
        FakeSession alice = new FakeSession("alice", "aiops", null);
        sessions.add(dan);
        sessions.add(alice);
        reloadWith("{name: dan, keys: [\"" + line("dan") + "\"], roles: [engineer]}", "{name: dan, keys: [\"" + line("dan") + "\"], roles: []}");
        service.enforce();
        assertThat(dan.terminatedBecause).isEqualTo("your access was removed: no role allows login 'aiops' on node 'gpu-node-1'");
        assertThat(alice.terminatedBecause).as("what the new policy still allows goes on").isNull();
    }

    @Test
    void removingAKeyEndsTheSessionsProvenWithIt() {
        FakeSession dan = new FakeSession("dan", "aiops", null);
        sessions.add(dan);
        reloadWith("{name: dan, keys: [\"" + line("dan") + "\"]", "{name: dan, keys: []");
        service.enforce();
        assertThat(dan.terminatedBecause).startsWith("your access was removed: the key SHA256:").endsWith("no longer belongs to user 'dan'");
    }

    @Test
    void removingANodeOrALoginEndsTheSessionsOnIt() {
        FakeSession onTwo = new FakeSession("dan", "aiops", null, "gpu-node-2");
        FakeSession onOne = new FakeSession("alice", "aiops", null, "gpu-node-1");
        sessions.add(onTwo);
        sessions.add(onOne);
        reloadWith("- {name: gpu-node-2, address: \"127.0.0.2:22\", host_key: \"" + line("alice") + "\", labels: {tenant: team-a}}", "");
        service.enforce();
        assertThat(onTwo.terminatedBecause).isEqualTo("your access was removed: unknown node 'gpu-node-2'");
        assertThat(onOne.terminatedBecause).isNull();

        reloadWith("{name: engineer, logins: [aiops]", "{name: engineer, logins: [jupyter]");
        service.enforce();
        assertThat(onOne.terminatedBecause).isEqualTo("your access was removed: no role allows login 'aiops' on node 'gpu-node-1'");
    }

    @Test
    void removingTheRequestersRoleWithdrawsPendingRequestsToo() {
        AccessRequest r = service.request("dan", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "x");
        reloadWith("{name: dan, keys: [\"" + line("dan") + "\"], roles: [engineer]}", "{name: dan, keys: [\"" + line("dan") + "\"], roles: []}");
        service.enforce();
        assertThat(service.state().request(r.id()).orElseThrow().state()).isEqualTo(RequestState.REVOKED);
        assertThatThrownBy(() -> service.approve("bob", r.id(), null)).isInstanceOf(AccessService.Refused.class);
    }

    @Test
    void sessionsEndEvenWhenTheWithdrawalOfTheirGrantCannotBeWritten() throws Exception {
        // Threat: a busy or failing database keeps a disabled user's sessions running, although ending them needs no write.
        store.close();
        store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + dir.resolve("audit.db") + "?busy_timeout=300",
                "gw-0000000000000001", CheckpointSigner.of(signer::sign, signer::verify), clock));
        service = newService();
        service.load();
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "driver");
        service.approve("bob", r.id(), null);
        FakeSession standing = new FakeSession("alice", "aiops", null);
        sessions.add(standing);
        reloadWith("{name: alice, keys: [\"" + line("alice") + "\"], roles: [engineer]}",
                "{name: alice, keys: [\"" + line("alice") + "\"], roles: [engineer], disabled: true}");
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("audit.db"));
                java.sql.Statement st = c.createStatement()) {
            st.execute("BEGIN IMMEDIATE"); // someone holds the write lock: a backup, an operator's sqlite3
            service.enforce();
            st.execute("ROLLBACK");
        }
        assertThat(standing.terminatedBecause).isEqualTo("your access was removed: user 'alice' is disabled");
        assertThat(service.state().request(r.id()).orElseThrow().state()).as("not written, so not withdrawn yet")
                .isEqualTo(RequestState.ACTIVE);
        service.enforce();
        assertThat(service.state().request(r.id()).orElseThrow().state()).as("the next pass withdraws it")
                .isEqualTo(RequestState.REVOKED);
    }

    @Test
    void anUnprovenUnlockOrApprovalIsNotAppliedAtStart() {
        // Threat: someone who may only INSERT into the database adds an unlock (or an approval) that
        // no gateway's event proves; after the next restart the gateway must not lift the lock.
        service.lock("bob", Lock.Kind.USER, "dan", "incident");
        service.unlock("bob", Lock.Kind.USER, "dan");
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "x");
        service.approve("bob", r.id(), null);
        long unlockSeq = store.accessLog().locks().stream().filter(l -> l.action().equals("unlock")).findFirst().orElseThrow().seq();
        AccessLog real = store.accessLog();
        // the store's own detection of such rows is tested in the recorder's UnsignedRecordsContract
        AccessLog claimsUnproven = (AccessLog) java.lang.reflect.Proxy.newProxyInstance(AccessLog.class.getClassLoader(),
                new Class<?>[] {AccessLog.class}, (proxy, method, args) -> method.getName().equals("unproven")
                        ? new AccessLog.Unproven(java.util.Set.of(r.id() + "#1"), java.util.Set.of(unlockSeq))
                        : method.invoke(real, args));
        AccessService restarted = new AccessService(policy, claimsUnproven, new AuditTrail(store, clock, true), sessions, signer,
                clock, Duration.ofHours(1), notifications::add);
        restarted.load();
        assertThat(restarted.state().locks()).extracting(Lock::name).containsExactly("dan");
        assertThat(restarted.state().request(r.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
        assertThat(store.events(new dev.gatehouse.recorder.EventQuery("access.ignored", null, null, null, 10))).hasSize(2);
    }

    @Test
    void anotherInstancesUnprovenApprovalIsNotAppliedAndReportedOnlyAfterTheGrace() {
        // Threat: an approval INSERTed by hand reaches a running gateway through the catch-up (not
        // only a restart): it is never applied. Another instance's honest row is proven a moment
        // after it is stored, so it is reported (access.ignored) only once it stayed unproven.
        java.util.concurrent.atomic.AtomicReference<AccessLog.Unproven> claimed =
                new java.util.concurrent.atomic.AtomicReference<>(AccessLog.Unproven.NONE);
        AccessLog real = store.accessLog();
        AccessLog claimsUnproven = (AccessLog) java.lang.reflect.Proxy.newProxyInstance(AccessLog.class.getClassLoader(),
                new Class<?>[] {AccessLog.class}, (proxy, method, args) -> method.getName().equals("unproven")
                        ? claimed.get() : method.invoke(real, args));
        AccessService running = new AccessService(policy, claimsUnproven, new AuditTrail(store, clock, true), sessions, signer,
                clock, Duration.ofHours(1), notifications::add);
        running.load();
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "x");
        claimed.set(new AccessLog.Unproven(java.util.Set.of(r.id() + "#1"), java.util.Set.of()));
        real.appendDecision(new AccessLog.DecisionRow(r.id(), 0, "approve", "bob", null, clock.instant(), null, null));
        assertThat(running.catchUp()).isTrue();
        assertThat(running.state().request(r.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
        store.flush();
        assertThat(store.events(new dev.gatehouse.recorder.EventQuery("access.ignored", null, null, null, 10))).isEmpty();
        clock.advance(AccessService.UNPROVEN_GRACE);
        assertThat(running.catchUp()).as("folded again while it waits for its proof").isTrue();
        assertThat(running.state().request(r.id()).orElseThrow().state()).isEqualTo(RequestState.PENDING);
        store.flush();
        assertThat(store.events(new dev.gatehouse.recorder.EventQuery("access.ignored", null, null, null, 10))).hasSize(1);
        assertThat(running.catchUp()).as("reported once, then left alone").isFalse();
    }
}
