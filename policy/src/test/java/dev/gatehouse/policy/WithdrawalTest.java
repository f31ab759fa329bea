package dev.gatehouse.policy;

import static dev.gatehouse.policy.ElevationFixture.aliceGrant;
import static dev.gatehouse.policy.ElevationFixture.at;
import static dev.gatehouse.policy.ElevationFixture.pending;
import static dev.gatehouse.policy.ElevationFixture.policy;
import static dev.gatehouse.policy.ElevationFixture.policyWith;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Threat: access removed from the policy lingers in grants approved earlier, so a disabled user or
 * one whose role was taken away keeps elevated access until the grant runs out (R28).
 */
class WithdrawalTest {

    @Test
    void aGrantTheSamePolicyStillAllowsStands() {
        assertThat(ElevationRules.withdrawal(policy(), aliceGrant())).isEmpty();
    }

    @Test
    void aDisabledRequesterLosesTheirGrant() {
        Policy p = policyWith("{name: alice, keys: [], roles: [engineer], tenant: team-a}",
                "{name: alice, keys: [], roles: [engineer], tenant: team-a, disabled: true}");
        assertThat(ElevationRules.withdrawal(p, aliceGrant())).hasValue("requester 'alice' is disabled");
    }

    @Test
    void aRequesterRemovedFromThePolicyLosesTheirGrant() {
        Policy p = policyWith("  - {name: alice, keys: [], roles: [engineer], tenant: team-a}\n", "");
        assertThat(ElevationRules.withdrawal(p, aliceGrant())).hasValue("requester 'alice' is no longer in the policy");
    }

    @Test
    void losingTheRequestingRoleEndsTheGrant() {
        Policy p = policyWith("{name: alice, keys: [], roles: [engineer], tenant: team-a}",
                "{name: alice, keys: [], roles: [], tenant: team-a}");
        assertThat(ElevationRules.withdrawal(p, aliceGrant())).hasValueSatisfying(
                why -> assertThat(why).contains("no longer allows 'alice' to hold login 'mlops'"));
    }

    @Test
    void anElevationRemovedOrShortenedEndsTheGrant() {
        Policy shorter = policyWith("max_duration: 1h", "max_duration: 15m");
        assertThat(ElevationRules.withdrawal(shorter, aliceGrant())).isPresent();
        Policy moved = policyWith("{name: alice, keys: [], roles: [engineer], tenant: team-a}",
                "{name: alice, keys: [], roles: [engineer], tenant: team-b}");
        assertThat(ElevationRules.withdrawal(moved, aliceGrant())).hasValue("requester 'alice' has moved to another tenant");
    }

    @Test
    void withdrawingRevokesPendingAndActiveRequestsButNotEndedOnes() {
        AccessRequest active = aliceGrant();
        AccessRequest revoked = ElevationRules.apply(policy(), active,
                new RequestEvent.Withdraw("gatehouse", "requester 'alice' is disabled", at(15)), AccessState.empty()).orElseThrow();
        assertThat(revoked.state()).isEqualTo(RequestState.REVOKED);
        assertThat(revoked.closedBy()).isEqualTo("gatehouse");
        assertThat(revoked.closeReason()).isEqualTo("requester 'alice' is disabled");
        assertThat(revoked.windowEnd()).isEqualTo(active.windowEnd());

        AccessRequest waiting = pending("r9", "alice", "mlops", "gpu-a1", Duration.ofMinutes(30));
        assertThat(ElevationRules.apply(policy(), waiting, new RequestEvent.Withdraw("gatehouse", "gone", at(1)),
                AccessState.empty()).orElseThrow().state()).isEqualTo(RequestState.REVOKED);

        Result<AccessRequest> late = ElevationRules.apply(policy(), active, new RequestEvent.Withdraw("gatehouse", "gone", at(60)),
                AccessState.empty());
        assertThat(late.isOk()).isFalse();
        assertThat(late.value().state()).as("the window ran out first").isEqualTo(RequestState.ENDED);
        assertThat(ElevationRules.withdrawal(policy(), late.value())).as("nothing to withdraw from an ended grant").isEmpty();
    }
}
