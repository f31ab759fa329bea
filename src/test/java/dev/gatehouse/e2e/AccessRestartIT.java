package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static dev.gatehouse.e2e.Elevations.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Requests, decisions, grants and locks live in the store and are applied again after a restart. */
class AccessRestartIT extends GatewayTest {
    @Override
    Gateway.Options options() {
        return Elevations.options(false);
    }

    /**
     * Threat: a restart (upgrade, crash, or an intruder who can bounce the service) lifts a lock or
     * revives a grant that was revoked or ran out, possibly while the gateway was down.
     */
    @Test
    void locksStayOnAndEndedGrantsStayEndedAcrossARestart() {
        Gateway.User alice = gw.alice();
        Gateway.User bob = gw.user("bob");
        Gateway.User erin = gw.user("erin");
        String critical = Accounts.MLOPS + "@" + GatewayFiles.CRITICAL_NODE;

        // a grant that must survive: two approvals on gpu-node-2
        String surviving = Elevations.request(gw, alice, critical, "30m");
        Elevations.approve(gw, bob, surviving).requireSuccess();
        Elevations.approve(gw, erin, surviving).requireSuccess();
        // a revoked grant, a grant that runs out while the gateway is down, a request still pending
        String revoked = Json.text(Elevations.activeGrant(gw, "30m"), "id");
        gw.shell(bob, "revoke " + revoked).requireSuccess();
        JsonNode shortGrant = Elevations.activeGrant(gw, "6s");
        String shortId = Json.text(shortGrant, "id");
        Instant shortEnd = Elevations.instant(shortGrant, "window_end");
        String pending = Elevations.request(gw, alice, ELEVATED, "30m");
        gw.shell(bob, "lock user erin --reason 'e2e restart'").requireSuccess();

        assertThat(gw.stop()).as(gw.log()).isZero();
        long wait = Duration.between(Instant.now(), shortEnd).toMillis() + 500;
        if (wait > 0) {
            NodeSshd.sleep(wait); // the short grant ends while nothing is running
        }
        gw.restart();

        assertRefused(gw.ssh(erin, Gateway.TARGET, "id -un"), "user 'erin' is locked");
        assertRefused(gw.ssh(alice, ELEVATED, "id -un"), "no active grant for login 'mlops' on node 'gpu-node-1'");
        assertThat(Json.text(Elevations.requestAs(gw, alice, revoked), "state")).isEqualTo("revoked");
        assertThat(Json.text(Elevations.requestAs(gw, alice, shortId), "state")).isEqualTo("ended");
        assertThat(Json.text(Elevations.requestAs(gw, alice, pending), "state")).isEqualTo("pending");
        JsonNode still = Elevations.requestAs(gw, alice, surviving);
        assertThat(Json.text(still, "state")).isEqualTo("active");
        assertThat(still.get("approvals")).extracting(a -> Json.text(a, "approver")).containsExactly("bob", "erin");
        assertThat(Elevations.grants(gw, alice)).extracting(g -> Json.text(g, "id")).containsExactly(surviving);
        assertThat(gw.ssh(alice, critical, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.MLOPS + "\n");
        gw.awaitEvent("grant.ended for the grant that ran out while down",
                e -> Json.type("grant.ended").test(e) && shortId.equals(Json.text(e, "grant_id")));

        // the restored state is live, not a read-only copy: the lock still blocks approvals by erin...
        assertThat(Elevations.approve(gw, erin, pending).exit()).isEqualTo(1);
        // ...until it is lifted; decisions after the restart work as before
        gw.shell(bob, "unlock user erin").requireSuccess();
        assertThat(gw.ssh(erin, Gateway.TARGET, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.AIOPS + "\n");
        Elevations.approve(gw, erin, pending).requireSuccess();
        assertThat(gw.ssh(alice, ELEVATED, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.MLOPS + "\n");

        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as(verify.describe()).isZero();
    }
}
