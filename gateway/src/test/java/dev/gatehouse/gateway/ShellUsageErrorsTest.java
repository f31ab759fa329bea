package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every gateway shell command refuses a word it does not take by naming it, in one wording
 * ({@code COMMAND: unexpected argument 'WORD'; usage: ...}), and changes nothing.
 */
class ShellUsageErrorsTest {
    @TempDir
    Path dir;
    InProcessGateway gw;

    static Function<Map<String, String>, String> policy() {
        return keys -> """
                users:
                  - {name: admin, keys: ["%s"], roles: [admin, auditor]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:9", host_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", labels: {tenant: team-a}}
                roles:
                  - {name: admin, logins: [aiops], nodes: {tenant: team-a}, permissions: [admin]}
                  - {name: auditor, permissions: [audit]}
                elevations:
                  - {login: mlops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 1, requesters: [admin], approvers: [admin]}
                """.formatted(keys.get("admin"));
    }

    @BeforeEach
    void start() throws Exception {
        gw = InProcessGateway.start(dir, policy(), "admin");
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void everyCommandNamesTheWordItDoesNotTake() throws Exception {
        Map<String, String> lines = new java.util.LinkedHashMap<>();
        lines.put("request mlops@gpu-node-1 now --for 30m --reason r", "request: unexpected argument 'now'");
        lines.put("terminate 01JTESTSESSION000000000000 now --reason r", "terminate: unexpected argument 'now'");
        lines.put("approve r-1 now", "approve: unexpected argument 'now'");
        lines.put("deny r-1 now --reason r", "deny: unexpected argument 'now'");
        lines.put("cancel r-1 now", "cancel: unexpected argument 'now'");
        lines.put("revoke r-1 now", "revoke: unexpected argument 'now'");
        lines.put("requests now", "requests: unexpected argument 'now'");
        lines.put("grants now", "grants: unexpected argument 'now'");
        lines.put("lock user bob now --reason r", "lock: unexpected argument 'now'");
        lines.put("unlock user bob now", "unlock: unexpected argument 'now'");
        lines.put("totp now", "totp: unexpected argument 'now'");
        lines.put("totp enroll now", "totp: unexpected argument 'now'");
        lines.put("replay s-1 now", "replay: unexpected argument 'now'");
        lines.put("whoami now", "whoami: unexpected argument 'now'");
        lines.put("nodes now", "nodes: unexpected argument 'now'");
        lines.put("web-login now", "web-login: unexpected argument 'now'");
        lines.put("api-token --for 1h now", "api-token: unexpected argument 'now'");
        lines.put("api-token revoke t-1 now", "api-token: unexpected argument 'now'");
        lines.put("api-tokens now", "api-tokens: unexpected argument 'now'");
        lines.put("app-cert jupyter@gpu-node-1 now", "app-cert: unexpected argument 'now'");
        lines.put("sessions now", "sessions: unexpected argument 'now'");
        for (Map.Entry<String, String> e : lines.entrySet()) {
            InProcessGateway.Result r = gw.exec("admin", e.getKey());
            assertThat(r.status()).as(e.getKey()).isEqualTo(1);
            assertThat(r.stderr()).as(e.getKey()).startsWith("gatehouse: " + e.getValue() + "; usage: ");
        }
        assertThat(gw.events("request.created")).isEmpty();
        assertThat(gw.events("lock.set")).isEmpty();
        assertThat(gw.events("api.token.issued")).isEmpty();
    }

    @Test
    void unlockTakesAReasonAsLockDoesAndAuditsIt() throws Exception {
        // The console's Unlock asks for a reason; the shell's unlock must take one too, and lock.lifted
        // must carry it, so the audit trail says why a kill switch was lifted.
        assertThat(gw.exec("admin", "lock user admin2 --reason leaver").status()).isZero();
        InProcessGateway.Result r = gw.exec("admin", "unlock user admin2 --reason 'back from leave'");
        assertThat(r.stderr()).isEmpty();
        assertThat(r.status()).isZero();
        assertThat(gw.events("lock.lifted")).extracting(e -> e.details().get("reason")).containsExactly("back from leave");
    }

    @Test
    void aMissingRequiredOptionIsNamedToo() throws Exception {
        assertThat(gw.exec("admin", "terminate 01JTESTSESSION000000000000").stderr())
                .startsWith("gatehouse: terminate: --reason TEXT is required; usage: terminate ID --reason TEXT");
        InProcessGateway.Result r = gw.exec("admin", "request mlops@gpu-node-1 --reason r");
        assertThat(r.stderr()).startsWith("gatehouse: request: --for DURATION is required; usage: request LOGIN@NODE");
        InProcessGateway.Result d = gw.exec("admin", "deny r-1");
        assertThat(d.stderr()).startsWith("gatehouse: deny: --reason TEXT is required; usage: deny ID --reason TEXT");
    }
}
