package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static dev.gatehouse.e2e.Elevations.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nothing crosses tenants: frank (team-b: engineer, approver and admin) and team-a's alice, bob
 * and carol share one gateway, and all three nodes sit on one sshd, so only the policy's tenants
 * keep them apart.
 */
class TenantIsolationIT extends GatewayTest {
    @Override
    Gateway.Options options() {
        return Elevations.options(false);
    }
    private Gateway.User alice;
    private Gateway.User frank;
    private String teamARequest;

    @BeforeAll
    void start() {
        alice = gw.alice();
        frank = gw.user("frank");
        teamARequest = Elevations.request(gw, alice, ELEVATED, "30m");
    }

    /**
     * Threat: an approver of another tenant grants (or learns of, or kills) elevation on a tenant
     * they have no business in.
     */
    @Test
    void anApproverOfAnotherTenantCanNeitherSeeNorDecideTheRequest() {
        assertThat(Elevations.requests(gw, frank)).extracting(r -> Json.text(r, "id")).doesNotContain(teamARequest);
        assertThat(gw.shell(frank, "requests").requireSuccess().stdout()).doesNotContain(teamARequest);
        String none = "no request '" + teamARequest + "'";
        assertRefused(Elevations.approve(gw, frank, teamARequest), none);
        assertRefused(gw.shell(frank, "deny " + teamARequest + " --reason nope"), none);
        assertRefused(gw.shell(frank, "revoke " + teamARequest), none);
        assertRefused(gw.shell(frank, "cancel " + teamARequest), none);
        // indistinguishable from an id that does not exist at all
        assertRefused(Elevations.approve(gw, frank, "r-0000000000"), "no request 'r-0000000000'");

        assertThat(Json.text(Elevations.requestAs(gw, alice, teamARequest), "state")).isEqualTo("pending");
        assertThat(Elevations.requestAs(gw, alice, teamARequest).get("approvals")).isEmpty();
        // team-a's auditor and approver do see it
        Elevations.requestAs(gw, gw.carol(), teamARequest);
        Elevations.requestAs(gw, gw.user("bob"), teamARequest);
    }

    /** Threat: a user of one tenant logs in to another tenant's node (shared accelerators, R19). */
    @Test
    void aUserOfAnotherTenantCannotReachTheNode() {
        long connections = node.connectionCount();
        assertRefused(gw.ssh(frank, Gateway.TARGET, "id -un"), "node 'gpu-node-1' belongs to another tenant");
        assertRefused(gw.ssh(alice, Accounts.AIOPS + "@" + GatewayFiles.TENANT_B_NODE, "id -un"),
                "node 'gpu-node-b' belongs to another tenant");
        NodeSshd.sleep(300);
        assertThat(node.connectionCount()).as("refused before any upstream connection").isEqualTo(connections);
        // each reaches their own tenant's node on the very same sshd
        assertThat(gw.ssh(frank, Accounts.AIOPS + "@" + GatewayFiles.TENANT_B_NODE, "id -un").requireSuccess().stdout())
                .isEqualTo(Accounts.AIOPS + "\n");
        assertThat(gw.shell(frank, "nodes").requireSuccess().stdout())
                .contains(GatewayFiles.TENANT_B_NODE).doesNotContain(Gateway.NODE).doesNotContain(GatewayFiles.CRITICAL_NODE);
    }

    /** Threat: elevation is requested into another tenant, directly or through a label selector. */
    @Test
    void requestsNeverReachIntoAnotherTenant() {
        assertRefused(gw.shell(frank, "request " + ELEVATED + " --for 30m --reason x"), "belongs to another tenant");
        String id = Elevations.request(gw, frank, Accounts.MLOPS + "@gpu=h100", "30m");
        try {
            assertThat(Json.text(Elevations.requestAs(gw, frank, id), "tenant")).isEqualTo("team-b");
            assertThat(Elevations.requests(gw, gw.user("bob"))).extracting(r -> Json.text(r, "id")).doesNotContain(id);
            assertRefused(Elevations.approve(gw, gw.user("bob"), id), "no request '" + id + "'");
            assertRefused(Elevations.approve(gw, gw.user("erin"), id), "no request '" + id + "'");
        } finally {
            gw.shell(frank, "cancel " + id).requireSuccess();
        }
    }

    /** Threat: a tenant admin's kill switch is turned on another tenant's people. */
    @Test
    void aTenantAdminCannotLockAnotherTenantsUserOrNode() {
        assertRefused(gw.shell(frank, "lock user alice"), "user 'alice' is not in your tenant");
        assertRefused(gw.shell(frank, "lock node " + Gateway.NODE), "node 'gpu-node-1' is not in your tenant");
        assertThat(gw.ssh(alice, Gateway.TARGET, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.AIOPS + "\n");
        List<String> types = gw.auditLog().stream().map(e -> Json.text(e, "type")).toList();
        assertThat(types).contains("lock.refused").doesNotContain("lock.set");
    }
}
