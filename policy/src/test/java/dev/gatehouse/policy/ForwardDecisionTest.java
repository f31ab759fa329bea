package dev.gatehouse.policy;

import static dev.gatehouse.policy.ElevationFixture.aliceGrant;
import static dev.gatehouse.policy.ElevationFixture.at;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Local forwarding (direct-tcpip) to the node's loopback, by role and port; everything else refused. */
class ForwardDecisionTest {
    private static final Instant NOW = at(20);
    /** The elevation fixture, with engineers allowed to forward 8000-8999 and 5678 on gpu nodes. */
    private final PolicyEvaluator evaluator = PolicyEvaluator.of(ElevationFixture.policyWith(
            "- {name: engineer, logins: [aiops], nodes: {kind: gpu}}",
            "- {name: engineer, logins: [aiops], nodes: {kind: gpu}, forward: {ports: [\"8000-8999\", 5678]}}"));

    private Decision forward(String user, String login, String node, String host, int port, AccessState state) {
        return evaluator.decideForward(user, login, node, host, port, state, NOW);
    }

    private Decision forward(String host, int port) {
        return forward("alice", "aiops", "gpu-a1", host, port, AccessState.empty());
    }

    @Test
    void aRoleListingThePortAllowsForwardingToTheNodesLoopback() {
        assertThat(forward("localhost", 8888)).isEqualTo(Decision.allow("role engineer forwards port 8888"));
        assertThat(forward("127.0.0.1", 8000).allowed()).isTrue();
        assertThat(forward("127.0.0.1", 8999).allowed()).isTrue();
        assertThat(forward("::1", 5678).allowed()).isTrue();
    }

    /** Threat: a user with forwarding to one port reaches every service on the node (databases, the kubelet). */
    @ParameterizedTest
    @ValueSource(ints = {22, 5677, 5679, 7999, 9000, 65535})
    void aPortNoRoleListsIsRefused(int port) {
        assertThat(forward("localhost", port)).isEqualTo(Decision.deny(
                "no role of user 'alice' allows forwarding to port " + port + " on node 'gpu-a1'"));
    }

    /** Threat: the gateway becomes a proxy into the node network, or onto a node-side name that /etc/hosts redirects. */
    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.12", "gpu-a2", "127.0.0.2", "0.0.0.0", "localhost.example.com", "::", "::ffff:127.0.0.1",
            "127.0.0.1 ", ""})
    void aDestinationOtherThanTheLoopbackIsRefused(String host) {
        assertThat(forward(host, 8888).reason())
                .startsWith("forwarding goes only to the node's own loopback (localhost, 127.0.0.1 or ::1), not to '");
        assertThat(forward(host, 8888).allowed()).isFalse();
    }

    /** Threat: a host name chosen by the client drives the terminal of whoever reads the refusal. */
    @Test
    void aHostileDestinationIsQuotedEscapedInTheReason() {
        String reason = forward("evil\u001b[2J\u202e", 8888).reason();
        assertThat(Printable.firstUnsafe(reason)).as(reason).isEqualTo(-1);
        assertThat(reason).endsWith("not to 'evil\\x1b[2J\\u202e'");
    }

    @Test
    void portsOutsideTcpAreRefused() {
        assertThat(forward("localhost", 0)).isEqualTo(Decision.deny("port 0 is not a TCP port (1-65535)"));
        assertThat(forward("localhost", 65536).allowed()).isFalse();
        assertThat(forward("localhost", -1).allowed()).isFalse();
    }

    @Test
    void loopbackSpellingsMapOntoOneAddress() {
        assertThat(ForwardTarget.loopback("localhost")).contains("127.0.0.1");
        assertThat(ForwardTarget.loopback("LocalHost")).contains("127.0.0.1");
        assertThat(ForwardTarget.loopback("127.0.0.1")).contains("127.0.0.1");
        assertThat(ForwardTarget.loopback("::1")).contains("::1");
        assertThat(ForwardTarget.loopback("[::1]")).contains("::1");
        assertThat(ForwardTarget.loopback(null)).isEmpty();
    }

    /** Threat: forwarding outlives what the login itself may do: a lock, root, a disabled user, another tenant. */
    @Test
    void whateverRefusesTheLoginRefusesTheForwardFirst() {
        AccessState locked = AccessState.empty().withLock(new Lock(Lock.Kind.USER, "alice", "ada", at(1), "incident"));
        assertThat(forward("alice", "aiops", "gpu-a1", "localhost", 8888, locked)).isEqualTo(Decision.deny("user 'alice' is locked"));
        assertThat(forward("alice", "root", "gpu-a1", "localhost", 8888, AccessState.empty()))
                .isEqualTo(Decision.deny("root login is not permitted"));
        assertThat(forward("zed", "aiops", "gpu-a1", "localhost", 8888, AccessState.empty()))
                .isEqualTo(Decision.deny("user 'zed' is disabled"));
        assertThat(forward("frank", "aiops", "gpu-a1", "localhost", 8888, AccessState.empty()))
                .isEqualTo(Decision.deny("node 'gpu-a1' belongs to another tenant"));
        assertThat(forward("alice", "aiops", "gpu-a1", "10.0.0.12", 22, locked)).isEqualTo(Decision.deny("user 'alice' is locked"));
    }

    @Test
    void aRoleWithoutForwardAllowsNone() {
        // bob's approver role reaches the node but lists no ports
        assertThat(forward("bob", "aiops", "gpu-a1", "localhost", 8888, AccessState.empty()))
                .isEqualTo(Decision.deny("no role of user 'bob' allows forwarding to port 8888 on node 'gpu-a1'"));
    }

    /** A role's ports apply only on the nodes its selector matches. */
    @Test
    void aRolesPortsApplyOnlyOnItsNodes() {
        String yaml = ElevationFixture.POLICY
                .replace("- {name: alice, keys: [], roles: [engineer], tenant: team-a}",
                        "- {name: alice, keys: [], roles: [engineer, h100-tunnels], tenant: team-a}")
                .replace("- {name: admin, permissions: [admin]}",
                        "- {name: admin, permissions: [admin]}\n  - {name: h100-tunnels, nodes: {gpu: h100}, forward: {ports: [6006]}}");
        PolicyEvaluator tunnels = PolicyEvaluator.of(PolicyLoader.parse(yaml, "policy.yaml"));
        assertThat(tunnels.decideForward("alice", "aiops", "gpu-a1", "localhost", 6006, AccessState.empty(), NOW))
                .isEqualTo(Decision.allow("role h100-tunnels forwards port 6006"));
        assertThat(tunnels.decideForward("alice", "aiops", "gpu-a2", "localhost", 6006, AccessState.empty(), NOW).allowed())
                .as("gpu-a2 is an a100").isFalse();
        assertThat(forward("alice", "aiops", "gpu-a1", "localhost", 6006, AccessState.empty()).allowed())
                .as("without the role").isFalse();
    }

    /** Under a grant the forward rests on the grant too, so it ends when the grant ends. */
    @Test
    void aForwardUnderAGrantCarriesTheGrant() {
        AccessState withGrant = AccessState.empty().withRequest(aliceGrant()); // mlops@gpu-a1, window [10, 40)
        Decision d = forward("alice", "mlops", "gpu-a1", "localhost", 8888, withGrant);
        assertThat(d.allowed()).as(d.reason()).isTrue();
        assertThat(d.grantId()).isEqualTo("r1");
        assertThat(d.grantEnd()).isEqualTo(at(40));
        assertThat(forward("alice", "mlops", "gpu-a1", "localhost", 8888, AccessState.empty()).allowed()).isFalse();
    }
}
