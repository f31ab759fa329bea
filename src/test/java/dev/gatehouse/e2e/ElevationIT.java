package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static dev.gatehouse.e2e.Elevations.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Just-in-time elevation end to end: request, approval, the elevated login and its certificate,
 * revocation. Alice (engineer) asks for {@code mlops}; bob and erin approve; one gateway and node
 * for the class. Tests that open a grant on mlops@gpu-node-1 end it before they return, so "no
 * grant, no login" holds for the next one.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ElevationIT extends GatewayTest {
    @Override
    Gateway.Options options() {
        return Elevations.options(false);
    }

    private Gateway.User alice;
    private Gateway.User bob;
    private Gateway.User erin;
    private Gateway.User carol;

    @BeforeAll
    void start() {
        alice = gw.alice();
        bob = gw.user("bob");
        erin = gw.user("erin");
        carol = gw.carol();
    }

    /** Threat: an engineer approves their own elevation and so needs nobody's consent. */
    @Test
    @Order(1)
    void selfApprovalIsRefusedAndLeavesTheRequestPending() {
        String id = Elevations.request(gw, alice, ELEVATED, "30m");
        JsonNode pending = Elevations.requestAs(gw, alice, id);
        assertThat(Json.text(pending, "state")).isEqualTo("pending");
        assertThat(Json.text(pending, "requester")).isEqualTo("alice");
        assertThat(Json.text(pending, "tenant")).isEqualTo("team-a");
        assertThat(Json.text(pending, "login")).isEqualTo(Accounts.MLOPS);
        assertThat(Json.text(pending, "target")).isEqualTo(Gateway.NODE);
        assertThat(Json.text(pending, "duration_seconds")).isEqualTo("1800");
        assertThat(Json.text(pending, "reason")).isEqualTo("e2e: restart the gpu driver");

        assertRefused(Elevations.approve(gw, alice, id), "you cannot approve your own request");

        JsonNode after = Elevations.requestAs(gw, alice, id);
        assertThat(Json.text(after, "state")).isEqualTo("pending");
        assertThat(after.get("approvals")).as(after.toString()).isEmpty();
        Proc.Result login = gw.ssh(alice, ELEVATED, "id -un");
        assertRefused(login, "no active grant for login 'mlops' on node 'gpu-node-1'");
        gw.awaitEvent("approve.refused for " + id,
                e -> Json.type("approve.refused").test(e) && id.equals(Json.text(e, "grant_id"))
                        && "alice".equals(Json.text(e, "user")));

        gw.shell(alice, "cancel " + id).requireSuccess();
        assertThat(Json.text(Elevations.requestAs(gw, alice, id), "state")).isEqualTo("cancelled");
        assertRefused(Elevations.approve(gw, bob, id), "request was cancelled");
    }

    /**
     * Threat: an approved grant is usable by someone other than the requester, or yields a
     * certificate that outlives it or cannot be traced back to it.
     */
    @Test
    @Order(2)
    void approvedGrantLetsOnlyTheRequesterInWithACertificateNamingTheGrant() {
        String id = Elevations.request(gw, alice, ELEVATED, "30m");
        Instant beforeApproval = Instant.now();
        Proc.Result approved = Elevations.approve(gw, bob, id).requireSuccess();
        assertThat(approved.stdout()).contains(id);
        try {
            JsonNode grant = Elevations.requestAs(gw, alice, id);
            assertThat(Json.text(grant, "state")).isEqualTo("active");
            Instant start = Elevations.instant(grant, "window_start");
            Instant end = Elevations.instant(grant, "window_end");
            assertThat(start).as("the window starts at approval, not at request")
                    .isAfterOrEqualTo(beforeApproval.minusSeconds(1)).isAfterOrEqualTo(Elevations.instant(grant, "created"));
            assertThat(Duration.between(start, end)).isEqualTo(Duration.ofMinutes(30));
            assertThat(grant.get("approvals")).hasSize(1);
            assertThat(Json.text(grant.get("approvals").get(0), "approver")).isEqualTo("bob");
            assertThat(Json.text(grant.get("approvals").get(0), "comment")).isEqualTo("e2e: ok");
            assertThat(Elevations.grants(gw, alice)).extracting(g -> Json.text(g, "id")).contains(id);
            assertThat(Elevations.grants(gw, bob)).extracting(g -> Json.text(g, "id")).contains(id);

            Proc.Result in = gw.ssh(alice, ELEVATED, "id -un; id -u").requireSuccess();
            List<String> lines = in.stdout().strip().lines().toList();
            assertThat(lines).containsExactly(Accounts.MLOPS, Proc.run("id", "-u", Accounts.MLOPS).stdout().strip());
            assertThat(lines.get(1)).isNotEqualTo("0");

            // nobody else rides on alice's grant: not another engineer, not the approver who granted it
            assertRefused(gw.ssh(erin, ELEVATED, "id -un"),
                    "no active grant for login 'mlops' on node 'gpu-node-1' (request one with: ");
            assertRefused(gw.ssh(bob, ELEVATED, "id -un"), "no role allows login 'mlops' on node 'gpu-node-1'");

            // the node saw a certificate whose key id names user, session and grant
            Pattern keyId = Pattern.compile("ID user=alice;session=([^;\\s]+);grant=" + Pattern.quote(id) + " \\(serial (\\d+)\\)");
            Matcher m = keyId.matcher(node.log());
            assertThat(m.find()).as("sshd log names the grant in the key id\n" + node.log()).isTrue();
            String serial = m.group(2);
            JsonNode issued = gw.awaitEvent("cert.issued under grant " + id,
                    e -> Json.type("cert.issued").test(e) && id.equals(Json.text(e, "grant_id")));
            assertThat(Json.text(issued, "cert_serial")).as(issued.toString()).isEqualTo(serial);
            assertThat(Json.detail(issued, "key_id")).isEqualTo("user=alice;session=" + m.group(1) + ";grant=" + id);
            assertThat(Instant.parse(Json.detail(issued, "valid_before"))).as("certificate validity ends by the grant's end")
                    .isBeforeOrEqualTo(end);

            // the approval is a signed statement binding approver, request, decision and time
            JsonNode active = gw.awaitEvent("grant.active for " + id,
                    e -> Json.type("grant.active").test(e) && id.equals(Json.text(e, "grant_id")));
            assertThat(Json.text(active, "user")).isEqualTo("bob");
            JsonNode claims = AuditKey.verify(gw, Json.detail(active, "signature"));
            assertThat(Json.text(claims, "request")).isEqualTo(id);
            assertThat(Json.text(claims, "actor")).isEqualTo("bob");
            assertThat(Json.text(claims, "action")).isEqualTo("approve");
            assertThat(Json.text(claims, "state")).isEqualTo("active");
            assertThat(Json.text(claims, "requester")).isEqualTo("alice");
            assertThat(Json.text(claims, "time")).isNotEmpty();
            gw.awaitEvent("request.created for " + id,
                    e -> Json.type("request.created").test(e) && id.equals(Json.text(e, "grant_id")));
        } finally {
            gw.shell(bob, "revoke " + id);
        }
    }

    /** Threat: a revoked grant keeps working in a session that is already open, or for new logins. */
    @Test
    @Order(3)
    void revokeCutsALiveElevatedSessionWithinTwoSecondsAndRefusesNewLogins() {
        String id = Elevations.activeGrant(gw, "30m").get("id").asText();
        try (LiveSsh live = LiveSsh.open(gw, alice, ELEVATED)) {
            gw.shell(bob, "revoke " + id).requireSuccess();
            long revoked = System.nanoTime();
            int exit = live.awaitExit(Duration.ofSeconds(10));
            long millis = Duration.ofNanos(live.exitedAtNanos() - revoked).toMillis();
            assertThat(millis).as("session cut within 2 s of the revoke (took " + millis + " ms)\n" + live.describe())
                    .isLessThanOrEqualTo(2000);
            assertThat(exit).as(live.describe()).isEqualTo(255);
            assertThat(live.stderr()).contains("gatehouse: grant " + id + " was revoked by bob");
        }
        assertRefused(gw.ssh(alice, ELEVATED, "id -un"), "no active grant for login 'mlops' on node 'gpu-node-1'");

        JsonNode r = Elevations.requestAs(gw, alice, id);
        assertThat(Json.text(r, "state")).isEqualTo("revoked");
        assertThat(Json.text(r, "closed_by")).isEqualTo("bob");
        assertThat(Elevations.grants(gw, alice)).extracting(g -> Json.text(g, "id")).doesNotContain(id);
        JsonNode event = gw.awaitEvent("grant.revoked for " + id,
                e -> Json.type("grant.revoked").test(e) && id.equals(Json.text(e, "grant_id")));
        JsonNode claims = AuditKey.verify(gw, Json.detail(event, "signature"));
        assertThat(Json.text(claims, "action")).isEqualTo("revoke");
        assertThat(Json.text(claims, "actor")).isEqualTo("bob");
        assertThat(Json.text(claims, "request")).isEqualTo(id);
        assertRefused(gw.shell(bob, "revoke " + id), "request was revoked");
    }

    /** Threat: one approver approving twice satisfies a two-person rule alone. */
    @Test
    @Order(4)
    void theSameApproverCountsOnceTowardsATwoApprovalThreshold() {
        String target = Accounts.MLOPS + "@" + GatewayFiles.CRITICAL_NODE;
        String id = Elevations.request(gw, alice, target, "15m");
        Proc.Result first = Elevations.approve(gw, bob, id).requireSuccess();
        assertThat(first.stdout()).contains("more approvals are needed");
        assertThat(Json.text(Elevations.requestAs(gw, alice, id), "state")).isEqualTo("pending");

        assertRefused(Elevations.approve(gw, bob, id), "you have already approved this request");
        JsonNode stillPending = Elevations.requestAs(gw, alice, id);
        assertThat(Json.text(stillPending, "state")).isEqualTo("pending");
        assertThat(stillPending.get("approvals")).hasSize(1);
        assertRefused(gw.ssh(alice, target, "id -un"), "no active grant");

        Elevations.approve(gw, erin, id).requireSuccess();
        JsonNode active = Elevations.requestAs(gw, alice, id);
        assertThat(Json.text(active, "state")).isEqualTo("active");
        assertThat(active.get("approvals")).extracting(a -> Json.text(a, "approver")).containsExactly("bob", "erin");
        try {
            assertThat(gw.ssh(alice, target, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.MLOPS + "\n");
        } finally {
            gw.shell(erin, "revoke " + id).requireSuccess();
        }
    }

    /**
     * Threat: the two-approval rule for critical nodes is dodged by asking for a label selector that
     * also matches an ordinary node, so the laxer elevation governs the whole request.
     */
    @Test
    @Order(5)
    void aSelectorRequestCannotReachACriticalNodeWithFewerApprovalsThanItNeeds() {
        String id = Elevations.request(gw, alice, Accounts.MLOPS + "@gpu=h100", "15m");
        try {
            Elevations.approve(gw, bob, id);
            JsonNode r = Elevations.requestAs(gw, alice, id);
            Proc.Result critical = gw.ssh(alice, Accounts.MLOPS + "@" + GatewayFiles.CRITICAL_NODE, "id -un");
            assertThat(critical.stdout()).as("one approval opened mlops on the two-approval node gpu-node-2 (request "
                    + r + ")\n" + critical.describe()).isEmpty();
            assertThat(critical.exit()).as(critical.describe()).isEqualTo(1);
        } finally {
            gw.shell(bob, "revoke " + id);
        }
    }

    /** Threat: someone who holds no approver role for the elevation (an auditor) approves it. */
    @Test
    @Order(6)
    void approvalWithoutTheApproverRoleIsRefused() {
        String id = Elevations.request(gw, alice, ELEVATED, "30m");
        try {
            assertRefused(Elevations.approve(gw, carol, id), "you are not an approver for login 'mlops'");
            assertThat(Json.text(Elevations.requestAs(gw, alice, id), "state")).isEqualTo("pending");
            gw.awaitEvent("approve.refused by carol",
                    e -> Json.type("approve.refused").test(e) && "carol".equals(Json.text(e, "user"))
                            && id.equals(Json.text(e, "grant_id")));
        } finally {
            gw.shell(alice, "cancel " + id).requireSuccess();
        }
    }

    @Test
    @Order(7)
    void denyNeedsAReasonAndClosesTheRequestForGood() {
        String id = Elevations.request(gw, alice, ELEVATED, "30m");
        assertRefused(gw.shell(bob, "deny " + id), "usage: deny ID --reason TEXT");
        gw.shell(bob, "deny " + id + " --reason 'use the runbook instead'").requireSuccess();
        JsonNode denied = Elevations.requestAs(gw, alice, id);
        assertThat(Json.text(denied, "state")).isEqualTo("denied");
        assertThat(Json.text(denied, "closed_by")).isEqualTo("bob");
        assertThat(Json.text(denied, "close_reason")).isEqualTo("use the runbook instead");
        assertRefused(Elevations.approve(gw, erin, id), "request was denied");
        assertThat(Json.text(Elevations.requestAs(gw, alice, id), "state")).isEqualTo("denied");
        assertRefused(gw.ssh(alice, ELEVATED, "id -un"), "no active grant");
        JsonNode event = gw.awaitEvent("request.denied for " + id,
                e -> Json.type("request.denied").test(e) && id.equals(Json.text(e, "grant_id")));
        assertThat(Json.text(AuditKey.verify(gw, Json.detail(event, "signature")), "action")).isEqualTo("deny");
    }

    /** Threat: elevation is asked for beyond what policy allows: too long, unexplained, root, or by a non-requester. */
    @Test
    @Order(8)
    void requestsOutsideTheElevationRulesAreRefused() {
        List<JsonNode> before = Elevations.requests(gw, bob);
        assertRefused(gw.shell(alice, "request " + ELEVATED + " --for 2h --reason x"), "maximum");
        assertRefused(gw.shell(alice, "request " + ELEVATED + " --for 30m"), "a reason is required");
        assertRefused(gw.shell(alice, "request root@" + Gateway.NODE + " --for 30m --reason x"), "root login is not permitted");
        assertRefused(gw.shell(alice, "request " + Accounts.AIOPS + "@" + Gateway.NODE + " --for 30m --reason x"),
                "no elevation grants it");
        assertRefused(gw.shell(carol, "request " + ELEVATED + " --for 30m --reason x"), "none of your roles is a requester");
        assertRefused(gw.shell(alice, "request " + ELEVATED + " --for soon --reason x"), "duration");
        Proc.Result disabled = gw.shell(gw.dave(), "request " + ELEVATED + " --for 30m --reason x");
        assertThat(disabled.exit()).as(disabled.describe()).isNotZero();
        assertThat(Elevations.requests(gw, bob)).as("nothing was created").hasSameSizeAs(before);
        gw.awaitEvent("request.refused", e -> Json.type("request.refused").test(e) && "carol".equals(Json.text(e, "user")));
    }

    /** Threat: an engineer without the admin permission uses the kill switch against a colleague. */
    @Test
    @Order(9)
    void lockNeedsTheAdminPermission() {
        assertRefused(gw.shell(alice, "lock user erin --reason grudge"), "you need the admin permission to lock");
        assertThat(gw.ssh(erin, Gateway.TARGET, "id -un").requireSuccess().stdout()).isEqualTo(Accounts.AIOPS + "\n");
        gw.awaitEvent("lock.refused for alice", e -> Json.type("lock.refused").test(e) && "alice".equals(Json.text(e, "user")));
    }

    @Test
    @Order(100)
    void auditChainVerifiesAfterAllOfIt() {
        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as(verify.describe()).isZero();
    }
}
