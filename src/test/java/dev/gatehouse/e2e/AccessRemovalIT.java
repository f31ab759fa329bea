package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Removing access from the policy ends access (R28): after a reload, every live session and grant
 * is judged again, and what the new policy no longer allows ends within 2 s of the reload, with the
 * reason on the user's terminal and an audit event, exactly like a lock. Each test puts the original
 * policy back.
 */
class AccessRemovalIT extends GatewayTest {
    /** The policy file is polled once a second; enforcement follows the reload at once. */
    private static final long WITHIN_MS = 3_500;

    @Override
    Gateway.Options options() {
        return Elevations.options(false);
    }

    private String original() {
        return GatewayFiles.elevationPolicy(gw, false);
    }

    @AfterEach
    void restorePolicy() {
        gw.writePolicy(original());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && gw.ssh(gw.user("erin"), Gateway.TARGET, "true").exit() != 0) {
            NodeSshd.sleep(200);
        }
    }

    /** Reloads {@code policy} and asserts that {@code live} ends within 2 s of the reload with {@code message}. */
    private void reloadAndAssertCut(String policy, LiveSsh live, String message) {
        assertThat(policy).isNotEqualTo(original());
        long written = System.nanoTime();
        gw.writePolicy(policy);
        int exit = live.awaitExit(Duration.ofSeconds(15));
        long millis = Duration.ofNanos(live.exitedAtNanos() - written).toMillis();
        assertThat(exit).as(live.describe()).isEqualTo(255);
        assertThat(live.stderr()).as(live.describe()).contains("gatehouse: " + message);
        assertThat(millis).as("ended %d ms after the policy file was written\n%s", millis, live.describe())
                .isLessThanOrEqualTo(WITHIN_MS);
    }

    /** Threat: a person disabled in the policy keeps their elevated session and their grant until it runs out. */
    @Test
    void disablingAUserEndsTheirElevatedSessionAndWithdrawsTheirGrant() {
        JsonNode grant = Elevations.activeGrant(gw, "30m");
        String id = Json.text(grant, "id");
        try (LiveSsh elevated = LiveSsh.open(gw, gw.alice(), ELEVATED)) {
            String disabled = original().replaceFirst("(?m)^(    roles: \\[engineer\\])$", "$1\n    disabled: true");
            reloadAndAssertCut(disabled, elevated, "your access was removed: user 'alice' is disabled");
        }
        JsonNode after = Elevations.requestAs(gw, gw.user("bob"), id);
        assertThat(Json.text(after, "state")).isEqualTo("revoked");
        assertThat(Json.text(after, "closed_by")).isEqualTo("gatehouse");
        assertThat(Json.text(after, "close_reason")).contains("requester 'alice' is disabled");
        JsonNode revoked = gw.awaitEvent("the withdrawal", e -> Json.type("grant.revoked").test(e) && id.equals(Json.text(e, "grant_id")));
        assertThat(Json.text(revoked, "user")).isEqualTo("gatehouse");
        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as("the withdrawal is signed like any revocation\n" + verify.describe()).isZero();
    }

    /** Threat: a stolen key removed from the policy still works in the session it opened. */
    @Test
    void removingAKeyEndsTheSessionsProvenWithIt() {
        Gateway.User erin = gw.user("erin");
        try (LiveSsh live = LiveSsh.open(gw, erin, Gateway.TARGET)) {
            String keyless = original().replace("keys: [\"" + GatewayFiles.pub(erin) + "\"]", "keys: []");
            reloadAndAssertCut(keyless, live, "your access was removed: the key ");
            assertThat(live.stderr()).contains("no longer belongs to user 'erin'");
        }
        JsonNode removed = gw.awaitEvent("the removal", e -> Json.type("access.removed").test(e) && "erin".equals(Json.text(e, "user")));
        assertThat(Json.detail(removed, "kind")).isEqualTo("exec");
    }

    /** Threat: taking a role or a node out of the policy leaves the sessions it allowed running. */
    @Test
    void removingTheRoleOrTheNodeEndsTheSessionsTheyAllowedAndNoOthers() {
        Gateway.User frank = gw.user("frank");
        Gateway.User erin = gw.user("erin");
        String tenantB = Accounts.AIOPS + "@" + GatewayFiles.TENANT_B_NODE;
        try (LiveSsh frankOnB = LiveSsh.open(gw, frank, tenantB); LiveSsh erinOnA = LiveSsh.open(gw, erin, Gateway.TARGET)) {
            String noEngineer = original().replace("roles: [engineer, approver, admin]", "roles: [approver, admin]");
            reloadAndAssertCut(noEngineer, frankOnB, "your access was removed: no role allows login 'aiops' on node 'gpu-node-b'");
            assertThat(erinOnA.isAlive()).as("a session the new policy still allows goes on\n" + erinOnA.describe()).isTrue();
        }
        restorePolicy();
        try (LiveSsh onNodeTwo = LiveSsh.open(gw, erin, Accounts.AIOPS + "@" + GatewayFiles.CRITICAL_NODE)) {
            String withoutNode = original().replaceFirst("(?s)  - name: " + GatewayFiles.CRITICAL_NODE + "\n.*?(?=  - name: )", "");
            reloadAndAssertCut(withoutNode, onNodeTwo, "your access was removed: unknown node 'gpu-node-2'");
        }
    }
}
