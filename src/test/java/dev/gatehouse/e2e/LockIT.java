package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static dev.gatehouse.e2e.Elevations.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kill switch: {@code lock user|node|login|tenant} ends matching live sessions within 2 s,
 * refuses new sessions, requests and approvals while on, and {@code unlock} restores access.
 * Each test lifts its locks again, so tests do not depend on each other.
 */
class LockIT extends GatewayTest {
    @Override
    Gateway.Options options() {
        return Elevations.options(false);
    }
    private Gateway.User alice;
    private Gateway.User bob;
    private Gateway.User erin;
    private Gateway.User frank;

    @BeforeAll
    void start() {
        alice = gw.alice();
        bob = gw.user("bob");
        erin = gw.user("erin");
        frank = gw.user("frank");
    }

    @AfterEach
    void liftLocks() {
        for (String lock : new String[] {"user alice", "node " + Gateway.NODE, "login " + Accounts.MLOPS, "tenant team-a"}) {
            gw.shell(bob, "unlock " + lock); // refused when not locked; that is fine here
        }
    }

    /** Locks {@code what} as bob; asserts {@code live} ends within 2 s of the command returning, with {@code message}. */
    private void lockAndAssertCut(String what, LiveSsh live, String message) {
        gw.shell(bob, "lock " + what + " --reason 'e2e incident'").requireSuccess();
        long locked = System.nanoTime();
        int exit = live.awaitExit(Duration.ofSeconds(10));
        long millis = Duration.ofNanos(live.exitedAtNanos() - locked).toMillis();
        assertThat(millis).as("session cut within 2 s of 'lock " + what + "' (took " + millis + " ms)\n" + live.describe())
                .isLessThanOrEqualTo(2000);
        assertThat(exit).as(live.describe()).isEqualTo(255);
        assertThat(live.stderr()).contains("gatehouse: " + message);
    }

    /**
     * Threat: a compromised or departing user keeps working in a session opened before the lock, or
     * gets in again, or has an elevation approved while the incident is handled.
     */
    @Test
    void lockUserCutsALiveSessionRefusesNewOnesAndApprovalsUntilUnlocked() {
        java.util.Set<String> before = new java.util.HashSet<>(gw.auditLog().stream().map(e -> Json.text(e, "id")).toList());
        String pending = Elevations.request(gw, alice, ELEVATED, "30m");
        try (LiveSsh live = LiveSsh.open(gw, alice, Gateway.TARGET);
                LiveSsh bystander = LiveSsh.open(gw, erin, Gateway.TARGET)) {
            lockAndAssertCut("user alice", live, "user 'alice' was locked by bob");
            NodeSshd.sleep(300);
            assertThat(bystander.isAlive()).as("erin's session is not alice's\n" + bystander.describe()).isTrue();
        }
        assertRefused(gw.ssh(alice, Gateway.TARGET, "id -un"), "user 'alice' is locked");
        assertRefused(Elevations.approve(gw, erin, pending), "requests cannot be approved while user 'alice' is locked");
        assertThat(Json.text(Elevations.requestAs(gw, bob, pending), "state")).isEqualTo("pending");
        Proc.Result request = gw.shell(alice, "request " + ELEVATED + " --for 30m --reason x");
        assertThat(request.exit()).as("no new request while locked\n" + request.describe()).isEqualTo(1);

        JsonNode set = gw.awaitEvent("lock.set on alice",
                e -> Json.type("lock.set").test(e) && "alice".equals(Json.detail(e, "name")) && !before.contains(Json.text(e, "id")));
        assertThat(Json.text(set, "user")).isEqualTo("bob");
        assertThat(Json.detail(set, "kind")).isEqualTo("user");
        assertThat(Json.detail(set, "reason")).isEqualTo("e2e incident");
        assertThat(Json.detail(set, "sessions_ended")).isEqualTo("1");

        gw.shell(bob, "unlock user alice").requireSuccess();
        gw.awaitEvent("lock.lifted on alice", e -> Json.type("lock.lifted").test(e) && "alice".equals(Json.detail(e, "name"))
                && !before.contains(Json.text(e, "id")));
        assertThat(gw.ssh(alice, Gateway.TARGET, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.AIOPS + "\n");
        Elevations.approve(gw, erin, pending).requireSuccess();
        try {
            assertThat(gw.ssh(alice, ELEVATED, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.MLOPS + "\n");
        } finally {
            gw.shell(erin, "revoke " + pending).requireSuccess();
        }
    }

    /** Threat: a node under investigation keeps serving sessions, or a node lock spills onto other nodes. */
    @Test
    void lockNodeCutsSessionsOnThatNodeOnly() {
        String otherNode = Accounts.AIOPS + "@" + GatewayFiles.CRITICAL_NODE;
        try (LiveSsh onNode = LiveSsh.open(gw, erin, Gateway.TARGET);
                LiveSsh elsewhere = LiveSsh.open(gw, erin, otherNode)) {
            lockAndAssertCut("node " + Gateway.NODE, onNode, "node 'gpu-node-1' was locked by bob");
            NodeSshd.sleep(300);
            assertThat(elsewhere.isAlive()).as("session on gpu-node-2 survives\n" + elsewhere.describe()).isTrue();
        }
        assertRefused(gw.ssh(alice, Gateway.TARGET, "id -un"), "node 'gpu-node-1' is locked");
        assertThat(gw.ssh(alice, otherNode, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.AIOPS + "\n");
        gw.shell(bob, "unlock node " + Gateway.NODE).requireSuccess();
        assertThat(gw.ssh(alice, Gateway.TARGET, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.AIOPS + "\n");
    }

    /** Threat: an elevated login abused across the fleet cannot be stopped without revoking grant by grant. */
    @Test
    void lockLoginCutsElevatedSessionsButNotStandingOnes() {
        String id = Json.text(Elevations.activeGrant(gw, "30m"), "id");
        try (LiveSsh elevated = LiveSsh.open(gw, alice, ELEVATED);
                LiveSsh standing = LiveSsh.open(gw, alice, Gateway.TARGET)) {
            lockAndAssertCut("login " + Accounts.MLOPS, elevated, "login 'mlops' was locked by bob");
            NodeSshd.sleep(300);
            assertThat(standing.isAlive()).as("the aiops session survives\n" + standing.describe()).isTrue();
            assertRefused(gw.ssh(alice, ELEVATED, "id -un"), "login 'mlops' is locked");
            gw.shell(bob, "unlock login " + Accounts.MLOPS).requireSuccess();
            assertThat(gw.ssh(alice, ELEVATED, "id -un").requireSuccess().stdout())
                    .as("the grant itself was not touched by the lock").isEqualTo(Accounts.MLOPS + "\n");
        } finally {
            gw.shell(bob, "revoke " + id).requireSuccess();
        }
    }

    /** Threat: a tenant admin's kill switch reaches into another tenant, or misses part of their own. */
    @Test
    void lockTenantIsScopedToTheAdminsTenant() {
        String tenantBTarget = Accounts.AIOPS + "@" + GatewayFiles.TENANT_B_NODE;
        assertRefused(gw.shell(frank, "lock tenant team-a"), "you can only lock your own tenant");
        assertRefused(gw.shell(frank, "lock user alice"), "user 'alice' is not in your tenant");
        try (LiveSsh teamA = LiveSsh.open(gw, erin, Gateway.TARGET);
                LiveSsh teamB = LiveSsh.open(gw, frank, tenantBTarget)) {
            lockAndAssertCut("tenant team-a", teamA, "tenant 'team-a' was locked by bob");
            NodeSshd.sleep(300);
            assertThat(teamB.isAlive()).as("team-b's session survives\n" + teamB.describe()).isTrue();
        }
        assertRefused(gw.ssh(alice, Gateway.TARGET, "id -un"), "tenant 'team-a' is locked");
        assertThat(gw.ssh(frank, tenantBTarget, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.AIOPS + "\n");
        assertRefused(gw.shell(frank, "unlock tenant team-a"), "");
        gw.shell(bob, "unlock tenant team-a").requireSuccess();
        assertThat(gw.ssh(alice, Gateway.TARGET, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.AIOPS + "\n");
    }

    /** Threat: someone without the admin permission lifts a lock an admin set. */
    @Test
    void unlockNeedsTheAdminPermission() {
        gw.shell(bob, "lock user alice").requireSuccess();
        assertRefused(gw.shell(erin, "unlock user alice"), "you need the admin permission to unlock");
        assertRefused(gw.ssh(alice, Gateway.TARGET, "id -un"), "user 'alice' is locked");
        gw.shell(bob, "unlock user alice").requireSuccess();
        assertRefused(gw.shell(bob, "unlock user alice"), "user 'alice' is not locked");
        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as(verify.describe()).isZero();
    }
}
