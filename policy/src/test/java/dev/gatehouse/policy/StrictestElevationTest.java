package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A label-selector request governed by a lax elevation must not open a node that a stricter
 * elevation protects: the most restrictive rule wins when the grant is used.
 */
class StrictestElevationTest {
    private static final Instant T0 = Instant.parse("2026-05-04T09:00:00Z");
    private static final String HOST = TestKeys.ed25519(9);
    private static final Policy POLICY = PolicyLoader.parse("""
            users:
              - {name: alice, keys: ["%s"], roles: [engineer]}
              - {name: bob, keys: ["%s"], roles: [approver]}
              - {name: lead, keys: ["%s"], roles: [approver, sre-lead]}
            nodes:
              - {name: gpu-node-1, address: "10.0.0.1:22", host_key: "%s", labels: {gpu: h100}}
              - {name: gpu-node-2, address: "10.0.0.2:22", host_key: "%s", labels: {gpu: h100, tier: critical}}
            roles:
              - {name: engineer, logins: [aiops], nodes: {gpu: h100}}
              - {name: approver, logins: [aiops], nodes: {gpu: h100}}
              - {name: sre-lead, logins: [aiops], nodes: {gpu: h100}}
            elevations:
              - {login: mlops, nodes: {tier: critical}, max_duration: 15m, approvals: 2, requesters: [engineer],
                 approvers: [sre-lead, approver], second_factor: totp}
              - {login: mlops, nodes: {gpu: h100}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver]}
            """.formatted(TestKeys.ed25519(1), TestKeys.ed25519(2), TestKeys.ed25519(3), HOST, HOST), "policy.yaml");

    private static AccessRequest grantFor(String target, Duration duration, String... approvers) {
        AccessRequest r = ElevationRules.newRequest(POLICY, "r-1", "alice", "mlops", NodeTarget.parse(target), duration, "x", T0,
                AccessState.empty()).orElseThrow();
        for (String approver : approvers) {
            r = ElevationRules.apply(POLICY, r, new RequestEvent.Approve(approver, null, T0.plusSeconds(60)), AccessState.empty())
                    .orElseThrow();
        }
        return r;
    }

    @Test
    void aSelectorGrantApprovedOnceDoesNotOpenTheNodeThatNeedsTwoApprovals() {
        // Threat: asking for "every h100 node" to slip past the two-person rule of a critical h100 node.
        AccessRequest grant = grantFor("gpu=h100", Duration.ofMinutes(10), "bob");
        assertThat(grant.state()).isEqualTo(RequestState.ACTIVE);
        AccessState state = new AccessState(java.util.List.of(grant), java.util.Set.of());
        PolicyEvaluator evaluator = PolicyEvaluator.of(POLICY);
        Instant now = T0.plusSeconds(120);
        assertThat(evaluator.decide("alice", "mlops", "gpu-node-1", state, now).viaGrant()).isTrue();
        Decision critical = evaluator.decide("alice", "mlops", "gpu-node-2", state, now);
        assertThat(critical.allowed()).isFalse();
        assertThat(critical.reason()).contains("gpu-node-2").contains("needs 2 approval(s)");
    }

    @Test
    void theCriticalNodeOpensWithEnoughApproversAndAShortEnoughWindow() {
        AccessRequest grant = grantFor("gpu-node-2", Duration.ofMinutes(10), "bob", "lead");
        assertThat(grant.state()).isEqualTo(RequestState.ACTIVE);
        AccessState state = new AccessState(java.util.List.of(grant), java.util.Set.of());
        assertThat(PolicyEvaluator.of(POLICY).decide("alice", "mlops", "gpu-node-2", state, T0.plusSeconds(120)).viaGrant()).isTrue();
    }

    @Test
    void aLongSelectorGrantDoesNotStretchTheCriticalNodesMaximum() {
        // Threat: a one-hour grant through the lax rule used on a node whose rule allows 15 minutes.
        Instant start = T0.plusSeconds(60);
        AccessRequest grant = new AccessRequest("r-1", "alice", null, "mlops", NodeTarget.parse("gpu=h100"), Duration.ofMinutes(45),
                "x", T0, T0.plusSeconds(3600), RequestState.ACTIVE,
                java.util.List.of(new Approval("bob", null, start), new Approval("lead", null, start)), null, null, null, start,
                start.plus(Duration.ofMinutes(45)));
        AccessState state = new AccessState(java.util.List.of(grant), java.util.Set.of());
        Decision critical = PolicyEvaluator.of(POLICY).decide("alice", "mlops", "gpu-node-2", state, T0.plusSeconds(120));
        assertThat(critical.allowed()).isFalse();
        assertThat(critical.reason()).contains("at most 15m");
    }

    @Test
    void theSecondFactorOfAnyMatchingElevationApplies() {
        // Threat: skipping TOTP on a critical node by reaching it through a selector governed by a rule without it.
        PolicyEvaluator evaluator = PolicyEvaluator.of(POLICY);
        assertThat(evaluator.secondFactor("mlops", "gpu-node-2")).contains("totp");
        assertThat(evaluator.secondFactor("mlops", "gpu-node-1")).isEmpty();
        assertThat(evaluator.secondFactor("mlops", "no-such-node")).isEmpty();
    }
}
