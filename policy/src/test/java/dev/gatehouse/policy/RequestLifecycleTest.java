package dev.gatehouse.policy;

import static dev.gatehouse.policy.ElevationFixture.aliceGrant;
import static dev.gatehouse.policy.ElevationFixture.approve;
import static dev.gatehouse.policy.ElevationFixture.at;
import static dev.gatehouse.policy.ElevationFixture.lock;
import static dev.gatehouse.policy.ElevationFixture.pending;
import static dev.gatehouse.policy.ElevationFixture.policy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.policy.RequestEvent.Approve;
import dev.gatehouse.policy.RequestEvent.Cancel;
import dev.gatehouse.policy.RequestEvent.Deny;
import dev.gatehouse.policy.RequestEvent.Revoke;
import dev.gatehouse.policy.RequestEvent.Tick;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestLifecycleTest {
    private static final Duration HALF_HOUR = Duration.ofMinutes(30);
    private static final AccessState NONE = AccessState.empty();

    private static Result<AccessRequest> apply(AccessRequest r, RequestEvent event) {
        return ElevationRules.apply(policy(), r, event, NONE);
    }

    /** The window must start at approval: a request approved late must not lose, or gain, grant time. */
    @Test
    void oneApprovalActivatesAndTheWindowStartsAtApproval() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        AccessRequest active = ElevationRules.apply(policy(), r, new Approve("bob", " looks fine ", at(20)), NONE).orElseThrow();

        assertThat(active.state()).isEqualTo(RequestState.ACTIVE);
        assertThat(active.windowStart()).isEqualTo(at(20));
        assertThat(active.windowEnd()).isEqualTo(at(50));
        assertThat(active.approvals()).containsExactly(new Approval("bob", "looks fine", at(20)));
        assertThat(active.activeAt(at(20))).isTrue();
        assertThat(active.activeAt(at(49))).isTrue();
        assertThat(active.activeAt(at(50))).isFalse();
        assertThat(active.activeAt(at(19))).isFalse();
    }

    /** A threshold of two must mean two different people, so one approver cannot count twice (R03). */
    @Test
    void twoApprovalsNeedTwoDistinctApproversAndTheSameApproverCountsOnce() {
        AccessRequest r = pending("r2", "alice", "dbadmin", "gpu-a1", Duration.ofHours(2));
        AccessRequest once = approve(r, "bob", 5).orElseThrow();
        assertThat(once.state()).isEqualTo(RequestState.PENDING);

        Result<AccessRequest> twice = approve(once, "bob", 6);
        assertThat(twice.reason()).isEqualTo("you have already approved this request");
        assertThat(twice.value()).isEqualTo(once);

        AccessRequest active = approve(once, "carol", 7).orElseThrow();
        assertThat(active.state()).isEqualTo(RequestState.ACTIVE);
        assertThat(active.approvals()).extracting(Approval::approver).containsExactly("bob", "carol");
        assertThat(active.windowStart()).isEqualTo(at(7));
        assertThat(active.windowEnd()).isEqualTo(at(127));
    }

    /** Self-approval would let one person grant themselves privilege (R03). */
    @Test
    void selfApprovalIsRefusedEvenForAnApprover() {
        AccessRequest r = pending("r1", "dan", "mlops", "gpu-a1", HALF_HOUR);
        Result<AccessRequest> result = approve(r, "dan", 1);
        assertThat(result.reason()).isEqualTo("you cannot approve your own request");
        assertThat(result.value().state()).isEqualTo(RequestState.PENDING);
    }

    /** Approval rights come only from the elevation's approvers roles; admins and bystanders have none. */
    @Test
    void approvalByANonApproverIsRefused() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        assertThat(approve(r, "nobody", 1).reason()).isEqualTo("you are not an approver for login 'mlops'");
        assertThat(approve(r, "ada", 1).reason()).isEqualTo("you are not an approver for login 'mlops'");
        assertThat(approve(r, "zed", 1).reason()).isEqualTo("user 'zed' is disabled");
        assertThat(approve(r, "mallory", 1).reason()).isEqualTo("unknown user");
    }

    /** An approver of tenant B must not approve tenant A's requests, nor learn that they exist (R19). */
    @Test
    void approvalByAnotherTenantsApproverIsRefused() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        assertThat(approve(r, "erin", 1).reason()).isEqualTo("no request 'r1' in your tenant");
        AccessRequest oscars = pending("r2", "oscar", "mlops", "lab", HALF_HOUR);
        assertThat(approve(oscars, "bob", 1).reason()).isEqualTo("no request 'r2' in your tenant");
    }

    /** A stale request must not be approvable once its pending time is over, even if no tick ran. */
    @Test
    void approvalAfterThePendingTimeoutIsRefusedAndTheRequestIsExpired() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        Result<AccessRequest> late = approve(r, "bob", 60);

        assertThat(late.reason()).isEqualTo("request has expired");
        assertThat(late.value().state()).isEqualTo(RequestState.EXPIRED);
        assertThat(late.value().closedAt()).isEqualTo(at(60));
        assertThat(late.value().closeReason()).isEqualTo("not approved within 1h");
        assertThat(late.value().approvals()).isEmpty();
        assertThat(approve(r, "bob", 59).orElseThrow().state()).isEqualTo(RequestState.ACTIVE);
    }

    @Test
    void tickExpiresAPendingRequestOnlyAfterItsDeadline() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        assertThat(apply(r, new Tick(at(59))).orElseThrow()).isEqualTo(r);
        AccessRequest expired = apply(r, new Tick(at(300))).orElseThrow();
        assertThat(expired.state()).isEqualTo(RequestState.EXPIRED);
        assertThat(expired.closedAt()).isEqualTo(at(60));
    }

    /** Grants expire on their own (R08). */
    @Test
    void tickEndsAnActiveGrantAtWindowEnd() {
        AccessRequest grant = aliceGrant(); // window [10, 40)
        assertThat(apply(grant, new Tick(at(39))).orElseThrow().state()).isEqualTo(RequestState.ACTIVE);
        AccessRequest ended = apply(grant, new Tick(at(40))).orElseThrow();
        assertThat(ended.state()).isEqualTo(RequestState.ENDED);
        assertThat(ended.closedAt()).isEqualTo(at(40));
        assertThat(ended.windowEnd()).isEqualTo(at(40));
        assertThat(apply(ended, new Tick(at(500))).orElseThrow()).isEqualTo(ended);
    }

    @Test
    void revokeAfterTheGrantEndedIsRefused() {
        AccessRequest grant = aliceGrant();
        Result<AccessRequest> late = apply(grant, new Revoke("bob", at(45)));
        assertThat(late.reason()).isEqualTo("grant has already ended");
        assertThat(late.value().state()).isEqualTo(RequestState.ENDED);

        AccessRequest expired = apply(pending("r2", "alice", "mlops", "gpu-a1", HALF_HOUR), new Tick(at(61))).orElseThrow();
        assertThat(apply(expired, new Revoke("alice", at(62))).reason()).isEqualTo("grant has already ended");
    }

    @Test
    void theRequesterAnApproverOrAnAdminOfTheTenantMayRevoke() {
        AccessRequest grant = aliceGrant();
        for (String who : List.of("alice", "bob", "carol", "ada")) {
            AccessRequest revoked = apply(grant, new Revoke(who, at(15))).orElseThrow();
            assertThat(revoked.state()).isEqualTo(RequestState.REVOKED);
            assertThat(revoked.closedBy()).isEqualTo(who);
            assertThat(revoked.closedAt()).isEqualTo(at(15));
        }
        AccessRequest pendingOne = pending("r2", "alice", "mlops", "gpu-a1", HALF_HOUR);
        assertThat(apply(pendingOne, new Revoke("bob", at(1))).orElseThrow().state()).isEqualTo(RequestState.REVOKED);
    }

    /** Revocation ends access, so only people with a stake in the grant, in its tenant, may do it (R19). */
    @Test
    void revokeByOutsidersOrAnotherTenantIsRefused() {
        AccessRequest grant = aliceGrant();
        assertThat(apply(grant, new Revoke("aud", at(15))).reason())
                .isEqualTo("you may not revoke this request: only the requester, an approver for login 'mlops' or an admin can");
        assertThat(apply(grant, new Revoke("bea", at(15))).reason()).isEqualTo("no request 'r1' in your tenant");
        assertThat(apply(grant, new Revoke("erin", at(15))).reason()).isEqualTo("no request 'r1' in your tenant");
        AccessRequest revoked = apply(grant, new Revoke("alice", at(15))).orElseThrow();
        assertThat(apply(revoked, new Revoke("bob", at(16))).reason()).isEqualTo("request was revoked");
    }

    /** Nobody may withdraw someone else's request. */
    @Test
    void cancelByAnyoneButTheRequesterIsRefused() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        assertThat(apply(r, new Cancel("bob", at(1))).reason()).isEqualTo("only the requester can cancel this request");
        assertThat(apply(r, new Cancel("ada", at(1))).reason()).isEqualTo("only the requester can cancel this request");

        AccessRequest cancelled = apply(r, new Cancel("alice", at(1))).orElseThrow();
        assertThat(cancelled.state()).isEqualTo(RequestState.CANCELLED);
        assertThat(apply(cancelled, new Approve("bob", null, at(2))).reason()).isEqualTo("request was cancelled");
        assertThat(apply(aliceGrant(), new Cancel("alice", at(11))).reason())
                .isEqualTo("request is already approved; revoke it instead");
    }

    @Test
    void denyNeedsAnEligibleApproverAndAReason() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        assertThat(apply(r, new Deny("bob", " ", at(1))).reason())
                .isEqualTo("a reason is required to deny a request (--reason TEXT)");
        assertThat(apply(r, new Deny("bob", null, at(1))).reason())
                .isEqualTo("a reason is required to deny a request (--reason TEXT)");
        assertThat(apply(r, new Deny("alice", "no", at(1))).reason())
                .isEqualTo("you cannot deny your own request; cancel it instead");
        assertThat(apply(r, new Deny("nobody", "no", at(1))).reason()).isEqualTo("you are not an approver for login 'mlops'");
        assertThat(apply(r, new Deny("erin", "no", at(1))).reason()).isEqualTo("no request 'r1' in your tenant");

        AccessRequest denied = apply(r, new Deny("bob", "use the runbook instead", at(2))).orElseThrow();
        assertThat(denied.state()).isEqualTo(RequestState.DENIED);
        assertThat(denied.closedBy()).isEqualTo("bob");
        assertThat(denied.closeReason()).isEqualTo("use the runbook instead");
        assertThat(apply(denied, new Approve("carol", null, at(3))).reason()).isEqualTo("request was denied");
        assertThat(apply(aliceGrant(), new Deny("carol", "late", at(12))).reason()).isEqualTo("request is already approved");
    }

    /** A lock is a kill switch: while it is on, nothing it covers may be approved (R22). */
    @Test
    void approvalIsRefusedWhileALockMatches() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        for (Lock lock : List.of(lock(Lock.Kind.USER, "alice"), lock(Lock.Kind.LOGIN, "mlops"),
                lock(Lock.Kind.NODE, "gpu-a1"), lock(Lock.Kind.TENANT, "team-a"), lock(Lock.Kind.USER, "bob"))) {
            Result<AccessRequest> result = ElevationRules.apply(policy(), r, new Approve("bob", null, at(1)),
                    new AccessState(List.of(), Set.of(lock)));
            assertThat(result.reason()).isEqualTo("requests cannot be approved while " + lock.describe() + " is locked");
            assertThat(result.value()).isEqualTo(r);
        }
    }

    /** A policy reload that takes away the requester's right must stop a pending request from being approved. */
    @Test
    void approvalIsRefusedWhenThePolicyNoLongerAllowsTheRequest() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        Policy reloaded = ElevationFixture.policyWith("{name: alice, keys: [], roles: [engineer]", "{name: alice, keys: [], roles: []");
        assertThat(ElevationRules.apply(reloaded, r, new Approve("bob", null, at(1)), NONE).reason())
                .isEqualTo("the policy no longer allows this request");

        Policy disabled = ElevationFixture.policyWith("roles: [engineer], tenant: team-a}",
                "roles: [engineer], tenant: team-a, disabled: true}");
        assertThat(ElevationRules.apply(disabled, r, new Approve("bob", null, at(1)), NONE).reason())
                .isEqualTo("requester 'alice' is disabled");
    }

    /** An approval from someone who has since lost the approver role must not help reach the threshold. */
    @Test
    void approvalsFromApproversWhoLostTheRoleDoNotCount() {
        AccessRequest r = pending("r2", "alice", "dbadmin", "gpu-a1", Duration.ofHours(1));
        AccessRequest once = approve(r, "bob", 1).orElseThrow();
        Policy reloaded = ElevationFixture.policyWith("{name: bob, keys: [], roles: [approver]", "{name: bob, keys: [], roles: []");
        AccessRequest twice = ElevationRules.apply(reloaded, once, new Approve("carol", null, at(2)), NONE).orElseThrow();
        assertThat(twice.state()).isEqualTo(RequestState.PENDING);
        assertThat(ElevationRules.apply(reloaded, twice, new Approve("dan", null, at(3)), NONE).orElseThrow().state())
                .isEqualTo(RequestState.ACTIVE);
    }

    @Test
    void eventsDatedBeforeTheRequestAreRefused() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        Result<AccessRequest> result = ElevationRules.apply(policy(), r,
                new Approve("bob", null, ElevationFixture.T0.minusSeconds(1)), NONE);
        assertThat(result.reason()).isEqualTo("the event is dated before the request was made");
    }

    @Test
    void approvalCommentsAreCheckedLikeReasons() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", HALF_HOUR);
        assertThat(apply(r, new Approve("bob", "ok\r\nfake line", at(1))).reason()).isEqualTo("comment contains a control character (U+000D)");
    }
}
