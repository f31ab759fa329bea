package dev.gatehouse.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.policy.NodeTarget;
import dev.gatehouse.policy.PolicyLoader;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.StoreOptions;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (issue 9, R30/R07): any engineer may file pending requests without limit, and enforce()
 * (once a second on the single timer thread, holding the AccessService monitor that lock, approve
 * and revoke need) re-derives each live request's governing elevation from scratch. One person's
 * pending requests therefore set how long everybody's kill switch waits.
 */
class ReviewEnforceCostTest {
    @TempDir
    Path dir;

    @Test
    void onePersonsPendingRequestsDoNotMakeEveryEnforcementPassSlow() throws Exception {
        TestClock clock = new TestClock(Instant.parse("2026-11-25T10:00:00Z"));
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        JwsSigner signer = JwsSigner.es256(ec.generateKeyPair());
        AuditStore store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + dir.resolve("audit.db"), "gw-1",
                CheckpointSigner.of(signer::sign, signer::verify), clock));
        StringBuilder users = new StringBuilder("users:\n");
        String aliceKey = SshKeys.toLine(SshKeys.generateEd25519().getPublic());
        users.append("  - {name: alice, keys: [\"").append(aliceKey).append("\"], roles: [engineer]}\n");
        for (int i = 0; i < 2000; i++) { // an organisation's policy
            users.append("  - {name: user").append(i).append(", keys: [], roles: [engineer]}\n");
        }
        String text = users + """
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:22", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: approver, logins: [aiops], nodes: {tenant: team-a}}
                elevations:
                  - {login: mlops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver]}
                """.formatted(aliceKey);
        PolicyHolder policy = new PolicyHolder(SshKeys.generateEd25519(), clock, PolicyLoader.parse(text, "policy.yaml"));
        AccessService service = new AccessService(policy, store.accessLog(), new AuditTrail(store, clock, true),
                new SessionRegistry(), signer, clock, Duration.ofHours(24), n -> { });
        service.load();
        int requests = 2000;
        long t0 = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            service.request("alice", "mlops", NodeTarget.node("gpu-node-1"), Duration.ofMinutes(30), "r" + i);
        }
        long filed = System.nanoTime() - t0;
        service.enforce(); // warm up
        long t1 = System.nanoTime();
        service.enforce();
        Duration pass = Duration.ofNanos(System.nanoTime() - t1);
        store.close();
        System.out.printf("review: %d pending requests by one person filed in %d ms; one enforce() pass takes %d ms%n",
                requests, filed / 1_000_000, pass.toMillis());
        assertThat(service.state().requests()).hasSize(requests);
        assertThat(pass).as("one enforcement pass with %d pending requests of one person", requests)
                .isLessThan(Duration.ofMillis(100));
    }
}
