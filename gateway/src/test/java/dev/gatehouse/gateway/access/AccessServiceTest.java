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

    /** A live session that only remembers being terminated. */
    static final class FakeSession implements LiveSession {
        final String user;
        final String login;
        final String grant;
        String terminatedBecause;

        FakeSession(String user, String login, String grant) {
            this.user = user;
            this.login = login;
            this.grant = grant;
        }

        public String id() { return "s-" + user + login; }
        public String user() { return user; }
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
        public void terminate(String reason) { terminatedBecause = reason; }
    }

    @BeforeEach
    void setUp() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair auditKey = ec.generateKeyPair();
        signer = JwsSigner.es256(auditKey);
        CheckpointSigner checkpoints = CheckpointSigner.of(signer::sign, signer::verify);
        store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + dir.resolve("audit.db"), "gw-0000000000000001", checkpoints, clock));
        String key = SshKeys.toLine(SshKeys.generateEd25519().getPublic());
        String key2 = SshKeys.toLine(SshKeys.generateEd25519().getPublic());
        String key3 = SshKeys.toLine(SshKeys.generateEd25519().getPublic());
        policy = new PolicyHolder(SshKeys.generateEd25519(), clock, PolicyLoader.parse("""
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                  - {name: bob, keys: ["%s"], roles: [approver, admin]}
                  - {name: dan, keys: ["%s"], roles: [engineer]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:22", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: approver, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: admin, permissions: [admin]}
                elevations:
                  - {login: mlops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver]}
                """.formatted(key, key2, key3, key), "policy.yaml"));
        service = newService();
        service.load();
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
}
