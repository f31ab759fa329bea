package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.policy.PolicyEvaluator.NodeAccess;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyEvaluatorTest {
    private static final String HOST_KEY = TestKeys.ed25519(9);

    /** A policy in which "everything" (every login but root) is granted on team-a nodes. */
    private static final String POLICY = """
            forbidden_logins: [toor]
            users:
              - {name: alice, keys: ["%s"], roles: [engineer, greedy]}
              - {name: bob, keys: ["%s"], roles: [engineer, auditor], disabled: true}
              - {name: carol, keys: ["%s"], roles: [team-b, auditor]}
              - {name: dave, keys: [], roles: [nothing]}
            nodes:
              - {name: gpu-node-1, address: 10.0.0.11, host_key: "%s", labels: {tenant: team-a, gpu: h100}}
              - {name: gpu-node-2, address: 10.0.0.12, host_key: "%s", labels: {tenant: team-a, gpu: a100}}
              - {name: b-node, address: 10.0.1.1, host_key: "%s", labels: {tenant: team-b, gpu: h100}}
              - {name: bare, address: 10.0.2.1, host_key: "%s"}
            roles:
              - {name: engineer, logins: [aiops], nodes: {tenant: team-a}, permissions: [audit]}
              - {name: greedy, logins: [aiops, mlops, admin, svc, ubuntu, Toor-ish], nodes: {tenant: team-a, gpu: h100}}
              - {name: team-b, logins: [aiops], nodes: {tenant: team-b}}
              - {name: auditor, permissions: [audit, admin]}
              - {name: nothing, logins: [aiops]}
            """.formatted(TestKeys.ed25519(1), TestKeys.ed25519(2), TestKeys.ed25519(3),
            HOST_KEY, HOST_KEY, HOST_KEY, HOST_KEY);

    private final PolicyEvaluator evaluator = PolicyEvaluator.of(PolicyLoader.parse(POLICY, "policy.yaml"));

    @Test
    void roleListingTheLoginOnAMatchingNodeAllows() {
        assertThat(evaluator.decide("alice", "aiops", "gpu-node-2")).isEqualTo(Decision.allow("role engineer"));
        assertThat(evaluator.decide("alice", "mlops", "gpu-node-1")).isEqualTo(Decision.allow("role greedy"));
    }

    /** The remote-root ban must hold for every spelling a client can send, whatever roles grant. */
    @ParameterizedTest
    @ValueSource(strings = {"root", "ROOT", "Root", "rOOt"})
    void rootInAnyCaseIsRefused(String login) {
        assertThat(evaluator.decide("alice", login, "gpu-node-1")).isEqualTo(Decision.deny("root login is not permitted"));
    }

    /** Malformed logins that contain root must be refused as malformed, never mapped onto a real login. */
    @Test
    void malformedLoginsContainingRootAreRefusedWithAClearReason() {
        assertThat(evaluator.decide("alice", "root ", "gpu-node-1"))
                .isEqualTo(Decision.deny("login name 'root ' contains whitespace"));
        assertThat(evaluator.decide("alice", "aiops,root", "gpu-node-1").reason())
                .startsWith("login name 'aiops,root' contains ','");
        assertThat(evaluator.decide("alice", "*", "gpu-node-1").reason()).startsWith("login name '*' contains '*'");
        assertThat(evaluator.decide("alice", "", "gpu-node-1")).isEqualTo(Decision.deny("login name is empty"));
        assertThat(evaluator.decide("alice", null, "gpu-node-1")).isEqualTo(Decision.deny("login name is empty"));
        Decision newline = evaluator.decide("alice", "ro\not", "gpu-node-1");
        assertThat(newline.allowed()).isFalse();
        assertThat(newline.reason()).startsWith("login name 'ro\\not' ").doesNotContain("\n");
        assertThat(evaluator.decide("alice", "a".repeat(33), "gpu-node-1").reason()).contains("longer than 32 characters");
        assertThat(evaluator.decide("alice", "\u0000root", "gpu-node-1").allowed()).isFalse();
    }

    @Test
    void forbiddenLoginIsRefusedInAnyCase() {
        assertThat(evaluator.decide("alice", "toor", "gpu-node-1")).isEqualTo(Decision.deny("login 'toor' is forbidden"));
        assertThat(evaluator.decide("alice", "TOOR", "gpu-node-1")).isEqualTo(Decision.deny("login 'TOOR' is forbidden"));
    }

    @Test
    void loginChecksComeBeforeUserAndNodeChecks() {
        assertThat(evaluator.decide("mallory", "root", "nowhere")).isEqualTo(Decision.deny("root login is not permitted"));
    }

    @Test
    void unknownUserIsRefused() {
        assertThat(evaluator.decide("mallory", "aiops", "gpu-node-1")).isEqualTo(Decision.deny("unknown user"));
        assertThat(evaluator.decide(null, "aiops", "gpu-node-1")).isEqualTo(Decision.deny("unknown user"));
    }

    /** A disabled user keeps their roles in the file, but those roles must no longer open anything. */
    @Test
    void disabledUserIsRefusedWhateverTheirRoles() {
        assertThat(evaluator.decide("bob", "aiops", "gpu-node-1")).isEqualTo(Decision.deny("user 'bob' is disabled"));
        assertThat(evaluator.permissions("bob")).isEmpty();
        assertThat(evaluator.reachableNodes("bob")).isEmpty();
    }

    @Test
    void unknownNodeIsRefused() {
        assertThat(evaluator.decide("alice", "aiops", "gpu-node-9"))
                .isEqualTo(Decision.deny("unknown node 'gpu-node-9'"));
        assertThat(evaluator.decide("alice", "aiops", "x\u001b[2J").reason()).doesNotContain("\u001b");
    }

    @Test
    void loginNoRoleListsIsRefused() {
        assertThat(evaluator.decide("alice", "postgres", "gpu-node-1"))
                .isEqualTo(Decision.deny("no role allows login 'postgres' on node 'gpu-node-1'"));
    }

    @Test
    void selectorMatchesWhenTheNodeCarriesEveryListedLabel() {
        // greedy needs tenant=team-a and gpu=h100: gpu-node-2 has a100
        assertThat(evaluator.decide("alice", "mlops", "gpu-node-2"))
                .isEqualTo(Decision.deny("no role allows login 'mlops' on node 'gpu-node-2'"));
    }

    /** A role with no node selector must not reach every node by accident. */
    @Test
    void emptySelectorMatchesNothing() {
        assertThat(evaluator.decide("dave", "aiops", "gpu-node-1").allowed()).isFalse();
        assertThat(evaluator.decide("dave", "aiops", "bare").allowed()).isFalse();
        assertThat(RuleEvaluator.matches(Map.of(), Map.of())).isFalse();
        assertThat(RuleEvaluator.matches(Map.of(), Map.of("tenant", "a"))).isFalse();
    }

    /** A user of tenant A must never reach tenant B's nodes (R19). */
    @Test
    void tenantMismatchIsRefused() {
        assertThat(evaluator.decide("alice", "aiops", "b-node").allowed()).isFalse();
        assertThat(evaluator.decide("carol", "aiops", "gpu-node-1").allowed()).isFalse();
        assertThat(evaluator.decide("carol", "aiops", "b-node")).isEqualTo(Decision.allow("role team-b"));
    }

    /** A hand-built Policy that skips the loader must still not turn root or forbidden logins into an allow. */
    @Test
    void denyWinsOverARoleThatListsRootInAHandBuiltPolicy() {
        Node node = new Node("n1", "10.0.0.1", 22, Optional.of(HOST_KEY), Optional.empty(), Map.of("tenant", "a"));
        Role role = new Role("all", List.of("root", "toor", "aiops,root", "aiops"), Map.of("tenant", "a"), Set.of());
        User user = new User("eve", List.of(), List.of("all"), false);
        PolicyEvaluator hand = PolicyEvaluator.of(
                new Policy(Set.of("toor"), List.of(user), List.of(node), List.of(role), List.of()));

        assertThat(hand.decide("eve", "root", "n1").allowed()).isFalse();
        assertThat(hand.decide("eve", "toor", "n1").allowed()).isFalse();
        assertThat(hand.decide("eve", "aiops,root", "n1").allowed()).isFalse();
        assertThat(hand.decide("eve", "aiops", "n1").allowed()).isTrue();
        assertThat(hand.reachableNodes("eve")).containsExactly(new NodeAccess("n1", List.of("aiops")));
    }

    @Test
    void permissionsAreTheUnionOfTheUsersRoles() {
        assertThat(evaluator.permissions("alice")).containsExactly(Permission.AUDIT);
        assertThat(evaluator.permissions("carol")).containsExactlyInAnyOrder(Permission.AUDIT, Permission.ADMIN);
        assertThat(evaluator.permissions("dave")).isEmpty();
        assertThat(evaluator.permissions("mallory")).isEmpty();
    }

    @Test
    void reachableNodesListsEachNodeWithItsLoginsSortedByName() {
        assertThat(evaluator.reachableNodes("alice")).containsExactly(
                new NodeAccess("gpu-node-1", List.of("Toor-ish", "admin", "aiops", "mlops", "svc", "ubuntu")),
                new NodeAccess("gpu-node-2", List.of("aiops")));
        assertThat(evaluator.reachableNodes("carol")).containsExactly(new NodeAccess("b-node", List.of("aiops")));
        assertThat(evaluator.reachableNodes("dave")).isEmpty();
        assertThat(evaluator.reachableNodes("mallory")).isEmpty();
    }

    @Test
    void emptyPolicyRefusesEveryone() {
        PolicyEvaluator empty = PolicyEvaluator.of(PolicyLoader.parse("", "policy.yaml"));
        assertThat(empty.decide("alice", "aiops", "gpu-node-1")).isEqualTo(Decision.deny("unknown user"));
        assertThat(empty.policy().users()).isEmpty();
    }
}
