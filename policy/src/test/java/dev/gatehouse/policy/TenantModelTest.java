package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TenantModelTest {

    @Test
    void usersMayNameATenant() {
        Policy policy = PolicyLoader.parse("""
                users:
                  - {name: alice, keys: [], tenant: team-a}
                  - {name: bob, keys: [], tenant: ~}
                  - {name: carol, keys: []}
                """, "policy.yaml");
        assertThat(policy.user("alice").orElseThrow().tenant()).contains("team-a");
        assertThat(policy.user("bob").orElseThrow().tenant()).isEmpty();
        assertThat(policy.user("carol").orElseThrow())
                .isEqualTo(new User("carol", List.of(), List.of(), false, Optional.empty()))
                .isEqualTo(new User("carol", List.of(), List.of(), false));
        assertThat(policy.multiTenant()).isTrue();
    }

    @Test
    void aUsersTenantIsValidatedLikeALabelValue() {
        assertThatThrownBy(() -> PolicyLoader.parse("users:\n  - {name: alice, keys: [], tenant: \"\"}\n", "p.yaml"))
                .isInstanceOf(ConfigException.class).hasMessage("p.yaml:2: user 'alice' tenant must not be empty");
        assertThatThrownBy(() -> PolicyLoader.parse("users:\n  - {name: alice, keys: [], tenant: \"a\\tb\"}\n", "p.yaml"))
                .isInstanceOf(ConfigException.class).hasMessage("p.yaml:2: user 'alice' tenant contains a control character");
        assertThatThrownBy(() -> PolicyLoader.parse("users:\n  - {name: alice, keys: [], tenant: [a]}\n", "p.yaml"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("must be a single value");
    }

    @Test
    void nodesTakeTheirTenantFromTheTenantLabel() {
        Node node = new Node("n", "h", 22, Optional.of("k"), Optional.empty(), Map.of("tenant", "team-a"));
        assertThat(node.tenant()).contains("team-a");
        assertThat(new Node("n", "h", 22, Optional.of("k"), Optional.empty(), Map.of()).tenant()).isEmpty();
    }

    @Test
    void nodeTargetsParseNodesAndSelectors() {
        assertThat(NodeTarget.parse("gpu-node-1")).isEqualTo(NodeTarget.node("gpu-node-1"));
        NodeTarget selector = NodeTarget.parse("tenant=team-a,gpu=h100");
        assertThat(selector.selector()).isEqualTo(Map.of("tenant", "team-a", "gpu", "h100"));
        assertThat(selector.isSelector()).isTrue();
        assertThat(selector).hasToString("gpu=h100,tenant=team-a");
        assertThat(NodeTarget.parse(selector.toString())).isEqualTo(selector);
    }

    /** A target is echoed to other people and matched against nodes, so junk is refused up front (R25). */
    @Test
    void malformedTargetsAreRefused() {
        assertThatThrownBy(() -> NodeTarget.parse("")).hasMessage("no node or label selector given");
        assertThatThrownBy(() -> NodeTarget.parse("a b")).hasMessageStartingWith("node name 'a b' is not valid");
        assertThatThrownBy(() -> NodeTarget.parse("gpu=")).hasMessageStartingWith("label selector part 'gpu=' is not valid");
        assertThatThrownBy(() -> NodeTarget.parse("=x")).hasMessageStartingWith("label selector part '=x' is not valid");
        assertThatThrownBy(() -> NodeTarget.parse("a=1,a=2")).hasMessage("label 'a' appears twice in the selector");
        assertThatThrownBy(() -> NodeTarget.parse("a=1,,b=2")).hasMessageStartingWith("label selector part '' is not valid");
        assertThatThrownBy(() -> new NodeTarget("n", Map.of("a", "b"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NodeTarget(null, Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decisionsCarryAGrantOnlyWhenAllowedThroughOne() {
        Instant end = Instant.parse("2026-05-04T10:00:00Z");
        assertThat(Decision.allow("role x").grantId()).isNull();
        assertThat(Decision.allow("role x").viaGrant()).isFalse();
        assertThat(Decision.allowGrant("r1", end).grantEnd()).isEqualTo(end);
        assertThatThrownBy(() -> new Decision(false, "no", "r1", end)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Decision(true, "x", "r1", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resultsAreEitherAValueOrAReason() {
        assertThat(Result.ok("v").isOk()).isTrue();
        assertThat(Result.refused("no").isOk()).isFalse();
        assertThat(Result.refused("no", "v").value()).isEqualTo("v");
        assertThatThrownBy(() -> Result.refused("no").orElseThrow()).hasMessage("no");
        assertThatThrownBy(() -> Result.ok(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
