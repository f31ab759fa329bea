package dev.gatehouse.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.policy.AccessRequest;
import dev.gatehouse.policy.NodeTarget;
import dev.gatehouse.policy.PolicyLoader;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.StoreOptions;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (issue 9, R28): enforce() withdraws grants before it judges sessions, and a withdrawal
 * writes to the access log synchronously. When that write fails (database locked or down) the
 * exception leaves enforce() and no session is judged at all, on this pass or any later one while
 * the store stays down: a disabled user's sessions go on, although ending them needs no write.
 */
class ReviewEnforceDuringStoreOutageTest {
    @TempDir
    Path dir;

    final TestClock clock = new TestClock(Instant.parse("2026-11-25T10:00:00Z"));
    final SessionRegistry sessions = new SessionRegistry();
    final Map<String, KeyPair> keys = new HashMap<>();

    final class Session implements LiveSession {
        final String user;
        final String login;
        final String grant;
        volatile String ended;

        Session(String user, String login, String grant) {
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
            if (ended == null) {
                ended = reason;
            }
            sessions.remove(id());
        }
    }

    @Test
    void aDisabledUsersSessionsEndEvenWhenTheirGrantsWithdrawalCannotBeWritten() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        JwsSigner signer = JwsSigner.es256(ec.generateKeyPair());
        Path db = dir.resolve("audit.db");
        AuditStore store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + db + "?busy_timeout=300", "gw-1",
                CheckpointSigner.of(signer::sign, signer::verify), clock));
        for (String u : new String[] {"alice", "bob"}) {
            keys.put(u, SshKeys.generateEd25519());
        }
        String text = """
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
                """.formatted(SshKeys.toLine(keys.get("alice").getPublic()), SshKeys.toLine(keys.get("bob").getPublic()),
                SshKeys.toLine(keys.get("alice").getPublic()));
        PolicyHolder policy = new PolicyHolder(SshKeys.generateEd25519(), clock, PolicyLoader.parse(text, "policy.yaml"));
        AccessService service = new AccessService(policy, store.accessLog(), new AuditTrail(store, clock, true), sessions,
                signer, clock, Duration.ofHours(1), n -> { });
        service.load();
        AccessRequest r = service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "driver");
        service.approve("bob", r.id(), null);
        Session standing = new Session("alice", "aiops", null);
        sessions.add(standing);

        policy.replace(PolicyLoader.parse(text.replace("roles: [engineer]}", "roles: [engineer], disabled: true}"),
                "policy.yaml"));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("BEGIN IMMEDIATE"); // the database is busy (a backup, an operator's sqlite3, a slow disk)
            for (int pass = 0; pass < 3; pass++) { // the gateway's timer calls enforce() once a second
                try {
                    service.enforce();
                } catch (RuntimeException e) {
                    // Gateway's timer logs "access enforcement failed" and tries again next second
                }
            }
            st.execute("ROLLBACK");
        } finally {
            store.close();
        }
        assertThat(standing.ended).as("alice is disabled; her plain aiops session needs no write to end").isNotNull();
    }
}
