package dev.gatehouse.policy;

import java.time.Duration;
import java.time.Instant;

/**
 * A two-tenant policy and helpers for the elevation tests. Time is a plain Instant moved by hand:
 * {@code at(90)} is 90 minutes after {@link #T0}.
 */
final class ElevationFixture {
    static final Instant T0 = Instant.parse("2026-05-04T09:00:00Z");
    private static final String HOST_KEY = TestKeys.ed25519(9);

    /**
     * team-a: alice (engineer), bob and carol (approvers), dan (engineer and approver), ada (admin),
     * aud (auditor), zed (disabled engineer), nobody (no roles). team-b: erin (approver and
     * engineer), frank (engineer), bea (admin). No tenant: oscar (engineer), ops (admin).
     * Roles select nodes by {@code kind: gpu} only, so every tenant refusal below comes from the
     * tenant rule, not from a selector.
     */
    static final String POLICY = """
            forbidden_logins: [toor]
            users:
              - {name: alice, keys: [], roles: [engineer], tenant: team-a}
              - {name: bob, keys: [], roles: [approver], tenant: team-a}
              - {name: carol, keys: [], roles: [approver], tenant: team-a}
              - {name: dan, keys: [], roles: [engineer, approver], tenant: team-a}
              - {name: ada, keys: [], roles: [admin], tenant: team-a}
              - {name: aud, keys: [], roles: [auditor], tenant: team-a}
              - {name: zed, keys: [], roles: [engineer, approver], tenant: team-a, disabled: true}
              - {name: nobody, keys: [], roles: [], tenant: team-a}
              - {name: erin, keys: [], roles: [approver, engineer], tenant: team-b}
              - {name: frank, keys: [], roles: [engineer], tenant: team-b}
              - {name: bea, keys: [], roles: [admin], tenant: team-b}
              - {name: oscar, keys: [], roles: [engineer]}
              - {name: ops, keys: [], roles: [admin]}
            nodes:
              - {name: gpu-a1, address: 10.0.0.11, host_key: "%1$s", labels: {tenant: team-a, kind: gpu, gpu: h100}}
              - {name: gpu-a2, address: 10.0.0.12, host_key: "%1$s", labels: {tenant: team-a, kind: gpu, gpu: a100}}
              - {name: gpu-b1, address: 10.0.1.11, host_key: "%1$s", labels: {tenant: team-b, kind: gpu, gpu: h100}}
              - {name: lab, address: 10.0.2.11, host_key: "%1$s", labels: {kind: gpu}}
            roles:
              - {name: engineer, logins: [aiops], nodes: {kind: gpu}}
              - {name: approver, logins: [aiops], nodes: {kind: gpu}}
              - {name: admin, permissions: [admin]}
              - {name: auditor, permissions: [audit]}
            elevations:
              - login: mlops
                nodes: {kind: gpu}
                max_duration: 1h
                approvals: 1
                requesters: [engineer]
                approvers: [approver]
                require_reason: true
              - login: dbadmin
                nodes: {gpu: h100}
                max_duration: 4h
                approvals: 2
                requesters: [engineer]
                approvers: [approver]
            """.formatted(HOST_KEY);

    static final Policy POLICY_MODEL = PolicyLoader.parse(POLICY, "policy.yaml");

    private ElevationFixture() {}

    static Policy policy() {
        return POLICY_MODEL;
    }

    /** The fixture with one line replaced, for policy-reload scenarios. */
    static Policy policyWith(String from, String to) {
        if (!POLICY.contains(from)) {
            throw new IllegalArgumentException("fixture has no " + from);
        }
        return PolicyLoader.parse(POLICY.replace(from, to), "policy.yaml");
    }

    static Instant at(long minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    static Result<AccessRequest> ask(String id, String requester, String login, String target, Duration duration,
            String reason, AccessState state) {
        return ElevationRules.newRequest(policy(), id, requester, login, NodeTarget.parse(target), duration, reason,
                T0, state);
    }

    /** A pending request that must be accepted. */
    static AccessRequest pending(String id, String requester, String login, String target, Duration duration) {
        return ask(id, requester, login, target, duration, "fix the driver", AccessState.empty()).orElseThrow();
    }

    static Result<AccessRequest> approve(AccessRequest r, String approver, long minute) {
        return ElevationRules.apply(policy(), r, new RequestEvent.Approve(approver, null, at(minute)), AccessState.empty());
    }

    /** alice's mlops grant on gpu-a1 for 30 minutes, approved by bob at minute 10. */
    static AccessRequest aliceGrant() {
        AccessRequest r = pending("r1", "alice", "mlops", "gpu-a1", Duration.ofMinutes(30));
        return approve(r, "bob", 10).orElseThrow();
    }

    static Lock lock(Lock.Kind kind, String name) {
        return new Lock(kind, name, "ops", T0, "incident");
    }
}
