package dev.gatehouse.policy;

import static dev.gatehouse.policy.ElevationFixture.aliceGrant;
import static dev.gatehouse.policy.ElevationFixture.at;
import static dev.gatehouse.policy.ElevationFixture.pending;
import static dev.gatehouse.policy.ElevationFixture.policy;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class VisibilityAndLockRulesTest {

    @Test
    void theRequesterApproversAdminsAndAuditorsOfTheTenantSeeARequest() {
        AccessRequest r = aliceGrant();
        for (String who : List.of("alice", "bob", "carol", "dan", "ada", "aud")) {
            assertThat(ElevationRules.canSee(policy(), who, r)).as(who).isTrue();
        }
        assertThat(ElevationRules.canSee(policy(), "nobody", r)).isFalse();
        assertThat(ElevationRules.canSee(policy(), "zed", r)).isFalse();
        assertThat(ElevationRules.canSee(policy(), "mallory", r)).isFalse();
        assertThat(ElevationRules.canSee(policy(), null, r)).isFalse();
    }

    /** Another tenant's approvers, admins and auditors, and users without a tenant, must not see tenant A's requests (R19). */
    @Test
    void nobodyOfAnotherTenantSeesARequest() {
        AccessRequest r = aliceGrant();
        for (String who : List.of("erin", "frank", "bea", "oscar", "ops")) {
            assertThat(ElevationRules.canSee(policy(), who, r)).as(who).isFalse();
        }
        AccessRequest oscars = pending("r2", "oscar", "mlops", "lab", Duration.ofMinutes(30));
        assertThat(ElevationRules.canSee(policy(), "ops", oscars)).isTrue();
        assertThat(ElevationRules.canSee(policy(), "ada", oscars)).isFalse();
    }

    /** Users are disabled or removed, not forgotten: their old requests must still list without errors (R09). */
    @Test
    void requestsOfRemovedUsersStayVisibleToTheirTenant() {
        AccessRequest r = aliceGrant();
        Policy withoutAlice = ElevationFixture.policyWith("  - {name: alice, keys: [], roles: [engineer], tenant: team-a}\n", "");
        assertThat(withoutAlice.user("alice")).isEmpty();
        assertThat(ElevationRules.canSee(withoutAlice, "bob", r)).isTrue();
        assertThat(ElevationRules.canSee(withoutAlice, "alice", r)).isFalse();
        assertThat(ElevationRules.elevation(withoutAlice, r)).isEmpty();
        assertThat(ElevationRules.apply(withoutAlice, r, new RequestEvent.Tick(at(50)), AccessState.empty())
                .orElseThrow().state()).isEqualTo(RequestState.ENDED);
        assertThat(PolicyEvaluator.of(withoutAlice).decide("alice", "mlops", "gpu-a1",
                AccessState.empty().withRequest(r), at(20))).isEqualTo(Decision.deny("unknown user"));
    }

    /** Locking is an admin power; anyone else could lock colleagues out. */
    @Test
    void onlyAdminsLock() {
        assertThat(ElevationRules.lock(policy(), "bob", Lock.Kind.USER, "alice", null, at(0)).reason())
                .isEqualTo("you need the admin permission to lock");
        assertThat(ElevationRules.lock(policy(), "aud", Lock.Kind.USER, "alice", null, at(0)).reason())
                .isEqualTo("you need the admin permission to lock");
        assertThat(ElevationRules.lock(policy(), "mallory", Lock.Kind.USER, "alice", null, at(0)).reason())
                .isEqualTo("unknown user");
    }

    @Test
    void aTenantAdminsLockIsScopedToTheirTenant() {
        Lock lock = ElevationRules.lock(policy(), "ada", Lock.Kind.LOGIN, "mlops", " incident 42 ", at(3)).orElseThrow();
        assertThat(lock).isEqualTo(new Lock(Lock.Kind.LOGIN, "mlops", "team-a", "ada", at(3), "incident 42"));
        assertThat(ElevationRules.lock(policy(), "ada", Lock.Kind.USER, "alice", null, at(3)).orElseThrow().tenant())
                .isEqualTo("team-a");
        assertThat(ElevationRules.lock(policy(), "ops", Lock.Kind.LOGIN, "mlops", null, at(3)).orElseThrow().tenant()).isNull();
    }

    /** A tenant admin must not switch off another tenant's people or machines (R19). */
    @Test
    void aTenantAdminCannotLockOrUnlockAnotherTenant() {
        assertThat(ElevationRules.lock(policy(), "ada", Lock.Kind.USER, "frank", null, at(0)).reason())
                .isEqualTo("user 'frank' is not in your tenant");
        assertThat(ElevationRules.lock(policy(), "ada", Lock.Kind.NODE, "gpu-b1", null, at(0)).reason())
                .isEqualTo("node 'gpu-b1' is not in your tenant");
        assertThat(ElevationRules.lock(policy(), "ada", Lock.Kind.TENANT, "team-b", null, at(0)).reason())
                .isEqualTo("you can only lock your own tenant");
        assertThat(ElevationRules.lock(policy(), "ada", Lock.Kind.TENANT, "team-a", null, at(0)).isOk()).isTrue();

        Lock teamB = ElevationRules.lock(policy(), "bea", Lock.Kind.USER, "frank", null, at(0)).orElseThrow();
        assertThat(ElevationRules.unlock(policy(), "ada", teamB).reason()).isEqualTo("no lock on user 'frank' in your tenant");
        assertThat(ElevationRules.unlock(policy(), "bea", teamB).orElseThrow()).isEqualTo(teamB);
        Lock global = ElevationRules.lock(policy(), "ops", Lock.Kind.USER, "frank", null, at(0)).orElseThrow();
        assertThat(ElevationRules.unlock(policy(), "bea", global).reason())
                .isEqualTo("the lock on user 'frank' applies to every tenant; only an admin without a tenant can lift it");
    }

    @Test
    void lockNamesAreValidated() {
        assertThat(ElevationRules.lock(policy(), "ops", Lock.Kind.LOGIN, "ml,ops", null, at(0)).reason())
                .isEqualTo("login name 'ml,ops' is not valid");
        assertThat(ElevationRules.lock(policy(), "ops", Lock.Kind.USER, "", null, at(0)).reason())
                .isEqualTo("say what to lock: user, node, login or tenant, and its name");
        assertThat(ElevationRules.lock(policy(), "ops", Lock.Kind.TENANT, "a\nb", null, at(0)).reason())
                .isEqualTo("tenant name 'a\\nb' is not valid");
    }
}
