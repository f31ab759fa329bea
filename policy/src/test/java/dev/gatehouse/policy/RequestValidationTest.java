package dev.gatehouse.policy;

import static dev.gatehouse.policy.ElevationFixture.T0;
import static dev.gatehouse.policy.ElevationFixture.ask;
import static dev.gatehouse.policy.ElevationFixture.lock;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestValidationTest {
    private static final Duration HALF_HOUR = Duration.ofMinutes(30);
    private static final AccessState NONE = AccessState.empty();

    private static String refusal(String requester, String login, String target, Duration duration, String reason) {
        Result<AccessRequest> result = ask("r1", requester, login, target, duration, reason, NONE);
        assertThat(result.isOk()).as("request should be refused").isFalse();
        assertThat(result.value()).isNull();
        return result.reason();
    }

    @Test
    void aValidRequestIsPendingWithTheRequestersTenantAndAnHourToBeApproved() {
        AccessRequest r = ask("r1", "alice", "mlops", "gpu-a1", HALF_HOUR, "  restart the driver ", NONE).orElseThrow();

        assertThat(r.state()).isEqualTo(RequestState.PENDING);
        assertThat(r.tenant()).isEqualTo("team-a");
        assertThat(r.reason()).isEqualTo("restart the driver");
        assertThat(r.createdAt()).isEqualTo(T0);
        assertThat(r.pendingUntil()).isEqualTo(T0.plus(ElevationRules.DEFAULT_PENDING_TIMEOUT));
        assertThat(r.approvals()).isEmpty();
        assertThat(r.windowStart()).isNull();
        assertThat(r.windowEnd()).isNull();
    }

    @Test
    void thePendingTimeoutCanBeConfigured() {
        AccessRequest r = ElevationRules.newRequest(ElevationFixture.policy(), "r1", "alice", "mlops",
                NodeTarget.node("gpu-a1"), HALF_HOUR, "why", T0, NONE, Duration.ofMinutes(5)).orElseThrow();
        assertThat(r.pendingUntil()).isEqualTo(T0.plusSeconds(300));
    }

    /** A grant longer than the elevation allows would defeat "short-lived" (R02, R08). */
    @Test
    void durationAboveTheMaximumOrNotPositiveIsRefused() {
        assertThat(refusal("alice", "mlops", "gpu-a1", Duration.ofMinutes(61), "why"))
                .isEqualTo("duration 61m is longer than the 1h maximum for login 'mlops'");
        assertThat(refusal("alice", "mlops", "gpu-a1", Duration.ZERO, "why"))
                .isEqualTo("duration must be longer than 0, such as 30m");
        assertThat(refusal("alice", "mlops", "gpu-a1", Duration.ofMinutes(-5), "why"))
                .isEqualTo("duration must be longer than 0, such as 30m");
        assertThat(ask("r1", "alice", "mlops", "gpu-a1", Duration.ofHours(1), "why", NONE).isOk()).isTrue();
    }

    @Test
    void aReasonIsRequiredWhereTheElevationSaysSo() {
        assertThat(refusal("alice", "mlops", "gpu-a1", HALF_HOUR, null))
                .isEqualTo("a reason is required for login 'mlops' (--reason TEXT)");
        assertThat(refusal("alice", "mlops", "gpu-a1", HALF_HOUR, "   "))
                .isEqualTo("a reason is required for login 'mlops' (--reason TEXT)");
        // dbadmin does not require one
        assertThat(ask("r1", "alice", "dbadmin", "gpu-a1", HALF_HOUR, null, NONE).orElseThrow().reason()).isNull();
    }

    /** A reason is printed on approvers' terminals: escape sequences in it could forge what they read. */
    @Test
    void reasonsWithControlCharactersOrExcessiveLengthAreRefused() {
        assertThat(refusal("alice", "mlops", "gpu-a1", HALF_HOUR, "ok\u001b[2J")).isEqualTo("reason contains a control character (U+001B)");
        assertThat(refusal("alice", "mlops", "gpu-a1", HALF_HOUR, "x".repeat(501)))
                .isEqualTo("reason is longer than 500 characters");
    }

    /** Threat: a reason that reads one way and means another (bidi override, 8-bit CSI, zero-width space). */
    @Test
    void reasonsThatWouldHideOrReorderTextAreRefused() {
        assertThat(refusal("alice", "mlops", "gpu-a1", HALF_HOUR, "fix \u202eesrever")).isEqualTo(
                "reason contains an invisible or formatting character (U+202E)");
        assertThat(refusal("alice", "mlops", "gpu-a1", HALF_HOUR, "ok\u009b2J")).isEqualTo("reason contains a control character (U+009B)");
        assertThat(refusal("alice", "mlops", "gpu-a1", HALF_HOUR, "ad\u200bmin")).isEqualTo(
                "reason contains an invisible or formatting character (U+200B)");
        assertThat(ask("r1", "alice", "mlops", "gpu-a1", HALF_HOUR, "Treiber neu starten, GPU \u00fcberhitzt \u2014 \u05e9\u05dc\u05d5\u05dd", NONE)
                .isOk()).as("letters of any script are fine").isTrue();
    }

    /** Only the roles an elevation names as requesters may ask for it. */
    @Test
    void aUserWithoutARequesterRoleIsRefused() {
        assertThat(refusal("bob", "mlops", "gpu-a1", HALF_HOUR, "why"))
                .isEqualTo("you may not request login 'mlops': none of your roles is a requester for it");
        assertThat(refusal("alice", "svc", "gpu-a1", HALF_HOUR, "why"))
                .isEqualTo("login 'svc' cannot be requested: no elevation grants it");
    }

    @Test
    void unknownAndDisabledRequestersAreRefused() {
        assertThat(refusal("mallory", "mlops", "gpu-a1", HALF_HOUR, "why")).isEqualTo("unknown user");
        assertThat(refusal(null, "mlops", "gpu-a1", HALF_HOUR, "why")).isEqualTo("unknown user");
        assertThat(refusal("zed", "mlops", "gpu-a1", HALF_HOUR, "why")).isEqualTo("user 'zed' is disabled");
    }

    /** An elevation scoped to some nodes must not be stretched to others by naming them. */
    @Test
    void targetsOutsideTheElevationSelectorAreRefused() {
        assertThat(refusal("alice", "dbadmin", "gpu-a2", HALF_HOUR, "why"))
                .isEqualTo("elevation to 'dbadmin' does not cover node 'gpu-a2'");
        assertThat(refusal("alice", "dbadmin", "kind=gpu", HALF_HOUR, "why"))
                .isEqualTo("elevation to 'dbadmin' does not cover node 'gpu-a2'");
        assertThat(refusal("alice", "mlops", "gpu-a9", HALF_HOUR, "why")).isEqualTo("unknown node 'gpu-a9'");
    }

    /** A user of tenant A must not be able to ask for access to tenant B's nodes (R19). */
    @Test
    void crossTenantTargetsAreRefused() {
        assertThat(refusal("alice", "mlops", "gpu-b1", HALF_HOUR, "why"))
                .isEqualTo("node 'gpu-b1' belongs to another tenant");
        assertThat(refusal("alice", "mlops", "tenant=team-b", HALF_HOUR, "why"))
                .isEqualTo("selector 'tenant=team-b' matches no node you can reach");
        // oscar has no tenant in a policy that uses tenants: he reaches only nodes without one
        assertThat(refusal("oscar", "mlops", "gpu-a1", HALF_HOUR, "why"))
                .isEqualTo("node 'gpu-a1' belongs to another tenant");
        assertThat(ask("r1", "oscar", "mlops", "lab", HALF_HOUR, "why", NONE).orElseThrow().tenant()).isNull();
        assertThat(refusal("alice", "mlops", "lab", HALF_HOUR, "why")).isEqualTo("node 'lab' belongs to another tenant");
    }

    /** A selector spanning tenants is narrowed to the requester's own nodes rather than revealing others. */
    @Test
    void aSelectorIsNarrowedToTheRequestersTenant() {
        AccessRequest r = ask("r1", "alice", "dbadmin", "gpu=h100", HALF_HOUR, null, NONE).orElseThrow();
        assertThat(r.target()).isEqualTo(NodeTarget.selector(Map.of("gpu", "h100")));
        assertThat(ElevationRules.elevation(ElevationFixture.policy(), r)).map(Elevation::login).contains("dbadmin");
    }

    /** Elevation is to named non-root logins only; no request may name root, a uid-0 alias or a smuggled principal (R01, R02). */
    @Test
    void rootForbiddenAndMalformedLoginsAreRefused() {
        assertThat(refusal("alice", "root", "gpu-a1", HALF_HOUR, "why")).isEqualTo("root login is not permitted");
        assertThat(refusal("alice", "Root", "gpu-a1", HALF_HOUR, "why")).isEqualTo("root login is not permitted");
        assertThat(refusal("alice", "toor", "gpu-a1", HALF_HOUR, "why")).isEqualTo("login 'toor' is forbidden");
        assertThat(refusal("alice", "mlops,root", "gpu-a1", HALF_HOUR, "why")).startsWith("login name 'mlops,root' contains ','");
        assertThat(refusal("alice", "", "gpu-a1", HALF_HOUR, "why")).isEqualTo("login name is empty");
    }

    /** The kill switch must also stop new requests for whatever it locks (R22). */
    @Test
    void aMatchingLockRefusesTheRequest() {
        for (Lock lock : List.of(lock(Lock.Kind.USER, "alice"), lock(Lock.Kind.LOGIN, "mlops"),
                lock(Lock.Kind.NODE, "gpu-a1"), lock(Lock.Kind.TENANT, "team-a"))) {
            Result<AccessRequest> result = ask("r1", "alice", "mlops", "gpu-a1", HALF_HOUR, "why",
                    new AccessState(List.of(), Set.of(lock)));
            assertThat(result.reason()).isEqualTo(lock.describe() + " is locked");
        }
        assertThat(ask("r1", "alice", "mlops", "kind=gpu", HALF_HOUR, "why",
                new AccessState(List.of(), Set.of(lock(Lock.Kind.NODE, "gpu-a2")))).reason())
                .isEqualTo("node 'gpu-a2' is locked");
    }

    /** A tenant admin's lock of a login must not lock other tenants out. */
    @Test
    void aLockScopedToAnotherTenantDoesNotApply() {
        Lock teamB = new Lock(Lock.Kind.LOGIN, "mlops", "team-b", "bea", T0, null);
        assertThat(ask("r1", "alice", "mlops", "gpu-a1", HALF_HOUR, "why",
                new AccessState(List.of(), Set.of(teamB))).isOk()).isTrue();
    }

    @Test
    void requestIdsAreRequiredAndUnique() {
        AccessRequest first = ask("r1", "alice", "mlops", "gpu-a1", HALF_HOUR, "why", NONE).orElseThrow();
        AccessState state = NONE.withRequest(first);
        assertThat(ask("r1", "alice", "mlops", "gpu-a1", HALF_HOUR, "why", state).reason())
                .isEqualTo("request id 'r1' is already in use");
        assertThat(ask(" ", "alice", "mlops", "gpu-a1", HALF_HOUR, "why", state).reason()).isEqualTo("a request needs an id");
    }

    @Test
    void elevationsForListsWhatAUserMayRequest() {
        Policy policy = ElevationFixture.policy();
        assertThat(ElevationRules.elevationsFor(policy, "alice")).extracting(Elevation::login).containsExactly("mlops", "dbadmin");
        assertThat(ElevationRules.elevationsFor(policy, "bob")).isEmpty();
        assertThat(ElevationRules.elevationsFor(policy, "zed")).isEmpty();
        assertThat(ElevationRules.elevationsFor(policy, "mallory")).isEmpty();
    }

    /** Threat: one person files requests without end, burying approvers' lists and slowing the gateway's re-judging (R30). */
    @Test
    void onePersonMayHaveAtMostTenPendingRequests() {
        AccessState state = NONE;
        for (int i = 0; i < RequestRules.MAX_PENDING_PER_PERSON; i++) {
            state = state.withRequest(ask("p" + i, "alice", "mlops", "gpu-a1", HALF_HOUR, "fix " + i, state).orElseThrow());
        }
        assertThat(ask("p-next", "alice", "mlops", "gpu-a1", HALF_HOUR, "again", state).reason())
                .startsWith("you already have 10 pending requests");
        assertThat(ask("d1", "dan", "mlops", "gpu-a1", HALF_HOUR, "mine", state).isOk()).as("another person is not held back").isTrue();
    }
}
