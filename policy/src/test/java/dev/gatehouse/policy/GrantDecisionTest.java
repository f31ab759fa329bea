package dev.gatehouse.policy;

import static dev.gatehouse.policy.ElevationFixture.aliceGrant;
import static dev.gatehouse.policy.ElevationFixture.approve;
import static dev.gatehouse.policy.ElevationFixture.at;
import static dev.gatehouse.policy.ElevationFixture.lock;
import static dev.gatehouse.policy.ElevationFixture.pending;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.policy.PolicyEvaluator.NodeAccess;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GrantDecisionTest {
    private static final String NO_GRANT =
            "no active grant for login 'mlops' on node 'gpu-a1' (request one with: request mlops@gpu-a1 --for 30m --reason ...)";
    private final PolicyEvaluator evaluator = PolicyEvaluator.of(ElevationFixture.policy());
    private final AccessRequest grant = aliceGrant(); // alice, mlops@gpu-a1, window [10, 40)
    private final AccessState withGrant = AccessState.empty().withRequest(grant);

    private Decision decide(String user, String login, String node, AccessState state, long minute) {
        return evaluator.decide(user, login, node, state, at(minute));
    }

    @Test
    void anActiveGrantAllowsItsRequesterAndCarriesItsIdAndEnd() {
        Decision d = decide("alice", "mlops", "gpu-a1", withGrant, 10);
        assertThat(d).isEqualTo(Decision.allowGrant("r1", at(40)));
        assertThat(d.allowed()).isTrue();
        assertThat(d.viaGrant()).isTrue();
        assertThat(d.reason()).isEqualTo("grant r1");
        assertThat(d.grantEnd()).isEqualTo(at(40));
    }

    /** A grant is personal: nobody else may ride on it, even with the same roles (R02). */
    @Test
    void aGrantAllowsOnlyTheRequester() {
        assertThat(decide("dan", "mlops", "gpu-a1", withGrant, 20)).isEqualTo(Decision.deny(NO_GRANT));
        assertThat(decide("bob", "mlops", "gpu-a1", withGrant, 20))
                .isEqualTo(Decision.deny("no role allows login 'mlops' on node 'gpu-a1'"));
    }

    /** Elevated access must exist only inside its window (R08). */
    @Test
    void aGrantAllowsOnlyInsideItsWindow() {
        assertThat(decide("alice", "mlops", "gpu-a1", withGrant, 9).allowed()).isFalse();
        assertThat(decide("alice", "mlops", "gpu-a1", withGrant, 39).allowed()).isTrue();
        assertThat(decide("alice", "mlops", "gpu-a1", withGrant, 40)).isEqualTo(Decision.deny(NO_GRANT));
        AccessState pendingOnly = AccessState.empty().withRequest(pending("r2", "alice", "mlops", "gpu-a1", Duration.ofMinutes(30)));
        assertThat(decide("alice", "mlops", "gpu-a1", pendingOnly, 5)).isEqualTo(Decision.deny(NO_GRANT));
    }

    /** A grant for one login on one node must not open other logins or nodes. */
    @Test
    void aGrantAllowsOnlyItsLoginAndNodes() {
        assertThat(decide("alice", "dbadmin", "gpu-a1", withGrant, 20).allowed()).isFalse();
        assertThat(decide("alice", "mlops", "gpu-a2", withGrant, 20).reason()).startsWith("no active grant for login 'mlops' on node 'gpu-a2'");
        assertThat(decide("alice", "aiops", "gpu-a2", withGrant, 20)).isEqualTo(Decision.allow("role engineer"));
    }

    @Test
    void revokedAndEndedGrantsNoLongerAllow() {
        AccessRequest revoked = ElevationRules.apply(ElevationFixture.policy(), grant, new RequestEvent.Revoke("bob", at(15)),
                AccessState.empty()).orElseThrow();
        assertThat(decide("alice", "mlops", "gpu-a1", withGrant.withRequest(revoked), 20)).isEqualTo(Decision.deny(NO_GRANT));
    }

    /** A selector grant spanning tenants must never carry its holder into another tenant's node (R19). */
    @Test
    void aSelectorGrantCoversMatchingNodesOfTheRequestersTenantOnly() {
        AccessRequest r = pending("r3", "alice", "dbadmin", "gpu=h100", Duration.ofHours(1));
        AccessRequest active = approve(approve(r, "bob", 1).orElseThrow(), "carol", 2).orElseThrow();
        AccessState state = AccessState.empty().withRequest(active);
        assertThat(active.covers("dbadmin", ElevationFixture.policy().node("gpu-b1").orElseThrow())).isTrue();

        assertThat(decide("alice", "dbadmin", "gpu-a1", state, 3)).isEqualTo(Decision.allowGrant("r3", at(62)));
        assertThat(decide("alice", "dbadmin", "gpu-b1", state, 3))
                .isEqualTo(Decision.deny("node 'gpu-b1' belongs to another tenant"));
    }

    /** Removing an elevation or the requester's role from the policy must end what grants it gave. */
    @Test
    void aGrantIsIgnoredOnceThePolicyNoLongerOffersItsElevation() {
        Policy reloaded = ElevationFixture.policyWith("{name: alice, keys: [], roles: [engineer]", "{name: alice, keys: [], roles: []");
        assertThat(PolicyEvaluator.of(reloaded).decide("alice", "mlops", "gpu-a1", withGrant, at(20)))
                .isEqualTo(Decision.deny("no role allows login 'mlops' on node 'gpu-a1'"));
    }

    @Test
    void theThreeArgumentDecideKnowsNoGrants() {
        assertThat(evaluator.decide("alice", "mlops", "gpu-a1")).isEqualTo(Decision.deny(NO_GRANT));
    }

    /** The kill switch must stop standing and elevated access alike, whatever roles or grants say (R07, R22). */
    @Test
    void locksDenyStandingAndGrantedAccess() {
        for (Lock lock : List.of(lock(Lock.Kind.USER, "alice"), lock(Lock.Kind.NODE, "gpu-a1"),
                lock(Lock.Kind.TENANT, "team-a"))) {
            AccessState locked = withGrant.withLock(lock);
            assertThat(decide("alice", "aiops", "gpu-a1", locked, 20)).isEqualTo(Decision.deny(lock.describe() + " is locked"));
            assertThat(decide("alice", "mlops", "gpu-a1", locked, 20)).isEqualTo(Decision.deny(lock.describe() + " is locked"));
        }
        AccessState loginLocked = withGrant.withLock(lock(Lock.Kind.LOGIN, "mlops"));
        assertThat(decide("alice", "mlops", "gpu-a1", loginLocked, 20)).isEqualTo(Decision.deny("login 'mlops' is locked"));
        assertThat(decide("alice", "MLOPS", "gpu-a1", loginLocked, 20)).isEqualTo(Decision.deny("login 'mlops' is locked"));
        assertThat(decide("alice", "aiops", "gpu-a1", loginLocked, 20).allowed()).isTrue();
        assertThat(decide("alice", "aiops", "gpu-a1", loginLocked.withoutLock(Lock.Kind.LOGIN, "mlops", null), 20).allowed()).isTrue();
        AccessState unlocked = withGrant.withLock(lock(Lock.Kind.USER, "alice")).withoutLock(Lock.Kind.USER, "alice", null);
        assertThat(decide("alice", "mlops", "gpu-a1", unlocked, 20).allowed()).isTrue();
    }

    /** One tenant's lock must not switch off another tenant. */
    @Test
    void aTenantScopedLockAppliesOnlyInItsTenant() {
        Lock teamB = new Lock(Lock.Kind.LOGIN, "aiops", "team-b", "bea", at(0), null);
        AccessState state = AccessState.empty().withLock(teamB);
        assertThat(decide("alice", "aiops", "gpu-a1", state, 1).allowed()).isTrue();
        assertThat(decide("frank", "aiops", "gpu-b1", state, 1)).isEqualTo(Decision.deny("login 'aiops' is locked"));
    }

    /** Standing access never crosses tenants, even when a role selector matches the other tenant's node (R19). */
    @Test
    void standingAccessIsConfinedToTheUsersTenant() {
        assertThat(evaluator.decide("alice", "aiops", "gpu-a1")).isEqualTo(Decision.allow("role engineer"));
        assertThat(evaluator.decide("alice", "aiops", "gpu-b1")).isEqualTo(Decision.deny("node 'gpu-b1' belongs to another tenant"));
        assertThat(evaluator.decide("frank", "aiops", "gpu-a1")).isEqualTo(Decision.deny("node 'gpu-a1' belongs to another tenant"));
        assertThat(evaluator.decide("frank", "aiops", "gpu-b1")).isEqualTo(Decision.allow("role engineer"));
        // tenant equality includes "none" once the policy uses tenants
        assertThat(evaluator.decide("oscar", "aiops", "gpu-a1")).isEqualTo(Decision.deny("node 'gpu-a1' belongs to another tenant"));
        assertThat(evaluator.decide("oscar", "aiops", "lab")).isEqualTo(Decision.allow("role engineer"));
        assertThat(evaluator.decide("alice", "aiops", "lab")).isEqualTo(Decision.deny("node 'lab' belongs to another tenant"));
    }

    /** Listing other tenants' nodes would reveal them (R19). */
    @Test
    void reachableNodesListsOnlyTheUsersTenant() {
        assertThat(evaluator.reachableNodes("alice")).containsExactly(
                new NodeAccess("gpu-a1", List.of("aiops")), new NodeAccess("gpu-a2", List.of("aiops")));
        assertThat(evaluator.reachableNodes("frank")).containsExactly(new NodeAccess("gpu-b1", List.of("aiops")));
        assertThat(evaluator.reachableNodes("oscar")).containsExactly(new NodeAccess("lab", List.of("aiops")));
    }

    /** Without user tenants (older policies), the tenant label is a plain label and roles decide, as before. */
    @Test
    void aPolicyWithoutUserTenantsKeepsRoleSelectorsInCharge() {
        Policy single = PolicyLoader.parse(ElevationFixture.POLICY.replaceAll(", tenant: team-[ab]", ""), "policy.yaml");
        assertThat(single.multiTenant()).isFalse();
        PolicyEvaluator e = PolicyEvaluator.of(single);
        assertThat(e.decide("alice", "aiops", "gpu-b1")).isEqualTo(Decision.allow("role engineer"));
        assertThat(e.decide("alice", "aiops", "lab")).isEqualTo(Decision.allow("role engineer"));
        assertThat(ElevationFixture.policy().multiTenant()).isTrue();
    }

    @Test
    void grantsDoNotBypassRefusalsThatComeBeforeThem() {
        assertThat(decide("alice", "root", "gpu-a1", withGrant, 20)).isEqualTo(Decision.deny("root login is not permitted"));
        assertThat(decide("mallory", "mlops", "gpu-a1", withGrant, 20)).isEqualTo(Decision.deny("unknown user"));
        assertThat(decide("alice", "mlops", "gpu-a9", withGrant, 20)).isEqualTo(Decision.deny("unknown node 'gpu-a9'"));
    }
}
