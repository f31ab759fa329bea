package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class PolicyParserTest {
    static final String ALICE_KEY = TestKeys.ed25519(1);
    static final String BOB_KEY = TestKeys.ed25519(2);
    static final String HOST_KEY = TestKeys.ed25519(9);

    static final String EXAMPLE = """
            forbidden_logins: [toor]
            users:
              - name: alice
                keys: ["ALICE_KEY alice@laptop"]
                roles: [engineer]
                disabled: false
              - name: bob
                keys: ["BOB_KEY"]
                roles: [engineer, approver]
                disabled: true
            nodes:
              - name: gpu-node-1
                address: 10.0.0.11:22
                host_key: "HOST_KEY"
                labels: {tenant: team-a, gpu: h100}
              - name: gpu-node-2
                address: "[2001:db8::2]:2022"
                host_ca: "HOST_KEY"
              - name: gpu-node-3
                address: node3.example.com
                host_key: "HOST_KEY"
            roles:
              - name: engineer
                logins: [aiops]
                nodes: {tenant: team-a}
                permissions: [audit]
              - name: approver
                logins: [aiops]
                nodes: {tenant: team-a}
                permissions: [admin, audit]
            elevations:
              - login: mlops
                nodes: {tenant: team-a}
                max_duration: 1h
                approvals: 1
                requesters: [engineer]
                approvers: [approver]
                require_reason: true
                second_factor: totp
            """.replace("ALICE_KEY", ALICE_KEY).replace("BOB_KEY", BOB_KEY).replace("HOST_KEY", HOST_KEY);

    static Policy parse(String yaml) {
        return PolicyLoader.parse(yaml, "policy.yaml");
    }

    static AbstractThrowableAssert<?, ? extends Throwable> assertError(String yaml) {
        return assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class);
    }

    @Test
    void parsesTheFullExample() {
        Policy policy = parse(EXAMPLE);

        assertThat(policy.forbiddenLogins()).containsExactlyInAnyOrder("root", "toor");
        assertThat(policy.users()).containsExactly(
                new User("alice", java.util.List.of(ALICE_KEY), java.util.List.of("engineer"), false),
                new User("bob", java.util.List.of(BOB_KEY), java.util.List.of("engineer", "approver"), true));
        assertThat(policy.nodes()).containsExactly(
                new Node("gpu-node-1", "10.0.0.11", 22, Optional.of(HOST_KEY), Optional.empty(),
                        Map.of("tenant", "team-a", "gpu", "h100")),
                new Node("gpu-node-2", "2001:db8::2", 2022, Optional.empty(), Optional.of(HOST_KEY), Map.of()),
                new Node("gpu-node-3", "node3.example.com", 22, Optional.of(HOST_KEY), Optional.empty(), Map.of()));
        assertThat(policy.roles()).containsExactly(
                new Role("engineer", java.util.List.of("aiops"), Map.of("tenant", "team-a"), Set.of(Permission.AUDIT)),
                new Role("approver", java.util.List.of("aiops"), Map.of("tenant", "team-a"),
                        Set.of(Permission.ADMIN, Permission.AUDIT)));
        assertThat(policy.elevations()).containsExactly(new Elevation("mlops", Map.of("tenant", "team-a"),
                Duration.ofHours(1), 1, java.util.List.of("engineer"), java.util.List.of("approver"), true,
                Optional.of("totp")));
    }

    @Test
    void emptyDocumentIsAnEmptyPolicyThatStillForbidsRoot() {
        for (String yaml : new String[] {"", "# nothing yet\n", "users:\nnodes:\n"}) {
            Policy policy = parse(yaml);
            assertThat(policy.users()).isEmpty();
            assertThat(policy.nodes()).isEmpty();
            assertThat(policy.forbiddenLogins()).containsExactly("root");
        }
    }

    @Test
    void optionalFieldsTakeSafeDefaults() {
        Policy policy = parse("""
                users:
                  - name: carol
                    keys: []
                roles:
                  - name: auditor
                    permissions: [audit]
                elevations:
                  - login: mlops
                    nodes: {tenant: a}
                    max_duration: 30m
                    requesters: [auditor]
                    approvers: [auditor]
                """);
        assertThat(policy.users().get(0)).isEqualTo(new User("carol", java.util.List.of(), java.util.List.of(), false));
        assertThat(policy.roles().get(0).nodes()).isEmpty();
        assertThat(policy.roles().get(0).logins()).isEmpty();
        Elevation e = policy.elevations().get(0);
        assertThat(e.approvals()).isEqualTo(1);
        assertThat(e.requireReason()).isFalse();
        assertThat(e.secondFactor()).isEmpty();
    }

    @Test
    void keysAreStoredWithoutTheirComment() {
        Policy policy = parse("""
                users:
                  - name: alice
                    keys: ["%s alice@laptop with spaces"]
                """.formatted(ALICE_KEY));
        assertThat(policy.users().get(0).keys()).containsExactly(ALICE_KEY);
    }

    @Test
    void userByKeyIgnoresComments() {
        Policy policy = parse(EXAMPLE);
        assertThat(policy.userByKey(ALICE_KEY + " someone-else@elsewhere")).map(User::name).contains("alice");
        assertThat(policy.userByKey("  " + ALICE_KEY)).map(User::name).contains("alice");
        assertThat(policy.userByKey(TestKeys.ed25519(77))).isEmpty();
        assertThat(policy.userByKey("garbage")).isEmpty();
    }

    @Test
    void configurationCanAddForbiddenLoginsButRootIsAlwaysThere() {
        assertThat(parse("forbidden_logins: []\n").forbiddenLogins()).containsExactly("root");
        assertThat(parse("forbidden_logins: [toor, admin]\n").forbiddenLogins())
                .containsExactlyInAnyOrder("root", "toor", "admin");
    }

    // ---- errors, each located at its line -------------------------------------------------

    @Test
    void unknownTopLevelFieldIsReportedAtItsLine() {
        assertError("users: []\nuser: []\n").hasMessageStartingWith("policy.yaml:2: unknown field 'user'");
    }

    @Test
    void unknownUserFieldIsReportedAtItsLine() {
        assertError("""
                users:
                  - name: alice
                    keys: []
                    role: [engineer]
                """).hasMessageStartingWith("policy.yaml:4: unknown field 'role' in a user");
    }

    @Test
    void duplicateUserIsReportedAtTheSecondDefinition() {
        assertError("""
                users:
                  - name: alice
                    keys: []
                  - name: bob
                    keys: []
                  - name: carol
                    keys: []
                  - name: alice
                    keys: []
                """).hasMessageStartingWith("policy.yaml:8: duplicate user 'alice' (first defined on line 2)");
    }

    @Test
    void duplicateNodeIsReported() {
        assertError("""
                nodes:
                  - {name: n1, address: 10.0.0.1, host_key: "%s"}
                  - {name: n1, address: 10.0.0.2, host_key: "%s"}
                """.formatted(HOST_KEY, HOST_KEY)).hasMessageStartingWith("policy.yaml:3: duplicate node 'n1'");
    }

    @Test
    void duplicateRoleIsReported() {
        assertError("""
                roles:
                  - name: ops
                  - name: ops
                """).hasMessageStartingWith("policy.yaml:3: duplicate role 'ops'");
    }

    @Test
    void missingRequiredFieldIsReportedAtTheEntry() {
        assertError("""
                users:
                  - name: alice
                    keys: []
                  - keys: []
                """).hasMessageStartingWith("policy.yaml:4: each user needs 'name'");
        assertError("""
                nodes:
                  - name: n1
                    host_key: "%s"
                """.formatted(HOST_KEY)).hasMessageStartingWith("policy.yaml:2: node 'n1' needs 'address'");
    }

    @Test
    void userWithUnknownRoleIsReportedAtTheRoleName() {
        assertError("""
                users:
                  - name: alice
                    keys: []
                    roles:
                      - engineer
                      - engneer
                roles:
                  - name: engineer
                """).hasMessageStartingWith("policy.yaml:6: user 'alice' names unknown role 'engneer' (defined roles: engineer)");
    }

    @Test
    void elevationWithUnknownRoleIsReported() {
        assertError("""
                roles:
                  - name: engineer
                elevations:
                  - login: mlops
                    nodes: {tenant: a}
                    max_duration: 1h
                    requesters: [engineer]
                    approvers: [approvr]
                """).hasMessageStartingWith("policy.yaml:8: elevation to 'mlops' approvers names unknown role 'approvr'");
    }

    @Test
    void rolesMayBeDefinedAfterTheUsersThatNameThem() {
        assertThat(parse("users:\n  - {name: a, keys: [], roles: [r]}\nroles:\n  - name: r\n").users()).hasSize(1);
    }

    @Test
    void userNamePatternIsEnforced() {
        assertError("users:\n  - name: Alice\n    keys: []\n")
                .hasMessageStartingWith("policy.yaml:2: user name 'Alice' is not valid");
        assertError("users:\n  - name: \"al ice\"\n    keys: []\n").hasMessageStartingWith("policy.yaml:2: ");
        assertError("users:\n  - name: " + "a".repeat(33) + "\n    keys: []\n").hasMessageStartingWith("policy.yaml:2: ");
    }

    @Test
    void nodeNamePatternIsEnforced() {
        assertError("""
                nodes:
                  - name: gpu/node
                    address: 10.0.0.1
                    host_key: "%s"
                """.formatted(HOST_KEY)).hasMessageStartingWith("policy.yaml:2: node name 'gpu/node' is not valid");
        assertError("nodes:\n  - name: -n\n    address: a\n    host_key: \"" + HOST_KEY + "\"\n")
                .hasMessageStartingWith("policy.yaml:2: ");
    }

    @Test
    void badAddressesAreReported() {
        for (String address : new String[] {"10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:ssh", "host:", "2001:db8::1",
                "[2001:db8::1", "[not-v6]:22", "bad host", "a..b", "[::1]x22"}) {
            assertError("""
                    nodes:
                      - name: n1
                        host_key: "%s"
                        address: "%s"
                    """.formatted(HOST_KEY, address)).hasMessageStartingWith("policy.yaml:4: node 'n1' address");
        }
    }

    @Test
    void addressFormsAreUnderstood() {
        assertThat(NodeParserAddress.of("[::1]")).containsExactly("::1", "22");
        assertThat(NodeParserAddress.of("[fe80::1%eth0]:2200")).containsExactly("fe80::1%eth0", "2200");
        assertThat(NodeParserAddress.of("gpu_1.cluster.local:65535")).containsExactly("gpu_1.cluster.local", "65535");
    }

    /** A node without a pinned host key or host CA would mean trusting whatever key answers first. */
    @Test
    void nodeWithoutHostKeyOrHostCaIsRefused() {
        assertError("""
                nodes:
                  - name: n1
                    address: 10.0.0.1
                """).hasMessageStartingWith("policy.yaml:2: node 'n1' needs 'host_key'");
    }

    @Test
    void nodeWithBothHostKeyAndHostCaIsRefused() {
        assertError("""
                nodes:
                  - name: n1
                    address: 10.0.0.1
                    host_key: "%s"
                    host_ca: "%s"
                """.formatted(HOST_KEY, HOST_KEY)).hasMessageStartingWith("policy.yaml:5: node 'n1' has both");
    }

    @Test
    void malformedHostKeyIsReported() {
        assertError("""
                nodes:
                  - name: n1
                    address: 10.0.0.1
                    host_key: "ssh-ed25519 AAAA"
                """).hasMessageStartingWith("policy.yaml:4: node 'n1' host_key has a truncated or damaged key");
    }

    @Test
    void malformedUserKeyIsReportedAtTheKey() {
        assertError("""
                users:
                  - name: alice
                    keys:
                      - "%s"
                      - "ssh-dss AAAAB3NzaC1kc3M="
                """.formatted(ALICE_KEY)).hasMessageStartingWith("policy.yaml:5: user 'alice' key 2 has key type 'ssh-dss'");
    }

    /** One key on two users would let one person act under two names in the audit trail. */
    @Test
    void sameKeyOnTwoUsersIsRefused() {
        assertError("""
                users:
                  - name: alice
                    keys: ["%s alice@laptop"]
                  - name: bob
                    keys: ["%s bob@laptop"]
                """.formatted(ALICE_KEY, ALICE_KEY))
                .hasMessageStartingWith("policy.yaml:5: user 'bob' key 1 is already listed for user 'alice'");
    }

    /** Unpadded and padded base64 of the same key are the same key. */
    @Test
    void sameKeyWithDifferentPaddingIsStillTheSameKey() {
        String padded = TestKeys.skEd25519(5);
        String unpadded = padded.replace("=", "");
        assertThat(unpadded).isNotEqualTo(padded);
        assertError("users:\n  - {name: a, keys: [\"%s\"]}\n  - {name: b, keys: [\"%s\"]}\n".formatted(padded, unpadded))
                .hasMessageStartingWith("policy.yaml:3: ");
    }

    /** The evaluator must never see root as grantable; refusing it at load keeps the file honest. */
    @Test
    void roleGrantingRootIsRefusedAtLoad() {
        assertError("""
                roles:
                  - name: engineer
                    logins: [aiops]
                  - name: ops
                    logins:
                      - aiops
                      - root
                """).hasMessage("policy.yaml:7: role 'ops' grants login 'root', which is always forbidden");
    }

    @Test
    void roleGrantingRootInAnyCaseIsRefusedAtLoad() {
        assertError("roles:\n  - name: ops\n    logins: [ROOT]\n")
                .hasMessageStartingWith("policy.yaml:3: role 'ops' grants login 'ROOT', which is always forbidden");
    }

    @Test
    void roleGrantingAForbiddenLoginIsRefused() {
        assertError("""
                forbidden_logins: [toor]
                roles:
                  - name: ops
                    logins: [Toor]
                """).hasMessageStartingWith("policy.yaml:4: role 'ops' grants login 'Toor', which forbidden_logins refuses");
    }

    @Test
    void elevationToRootOrAForbiddenLoginIsRefused() {
        String elevation = """
                forbidden_logins: [toor]
                roles: [{name: r}]
                elevations:
                  - login: %s
                    nodes: {tenant: a}
                    max_duration: 1h
                    requesters: [r]
                    approvers: [r]
                """;
        assertError(elevation.formatted("root")).hasMessage("policy.yaml:4: elevation grants login 'root', which is always forbidden");
        assertError(elevation.formatted("toor")).hasMessageStartingWith("policy.yaml:4: elevation grants login 'toor'");
    }

    @Test
    void malformedLoginsAreRefusedEverywhere() {
        assertError("roles:\n  - name: ops\n    logins: [\"aiops,root\"]\n")
                .hasMessageStartingWith("policy.yaml:3: role 'ops': login name 'aiops,root' contains ','");
        assertError("forbidden_logins: [\"*\"]\n").hasMessageStartingWith("policy.yaml:1: forbidden_logins: login name '*'");
        assertError("roles: [{name: r}]\nelevations:\n  - {login: \"\", nodes: {a: b}, max_duration: 1h, requesters: [r], approvers: [r]}\n")
                .hasMessageStartingWith("policy.yaml:3: elevation: login name is empty");
    }

    @Test
    void elevationLimitsAreEnforced() {
        String elevation = """
                roles: [{name: r}]
                elevations:
                  - login: mlops
                    nodes: {tenant: a}
                    max_duration: %s
                    approvals: %s
                    requesters: [r]
                    approvers: [r]
                """;
        assertError(elevation.formatted("0s", "1")).hasMessageStartingWith("policy.yaml:5: elevation to 'mlops' max_duration must be longer than 0");
        assertError(elevation.formatted("8d", "1")).hasMessageStartingWith("policy.yaml:5: elevation to 'mlops' max_duration 8d is longer than the 7d limit");
        assertError(elevation.formatted("169h", "1")).hasMessageStartingWith("policy.yaml:5: ");
        assertError(elevation.formatted("forever", "1")).hasMessageStartingWith("policy.yaml:5: ");
        assertError(elevation.formatted("99999999999999999d", "1")).hasMessageStartingWith("policy.yaml:5: ");
        assertError(elevation.formatted("1h", "0")).hasMessageStartingWith("policy.yaml:6: elevation to 'mlops' approvals must be at least 1");
        assertError(elevation.formatted("1h", "-3")).hasMessageStartingWith("policy.yaml:6: ");
        assertThat(parse(elevation.formatted("7d", "2")).elevations().get(0).approvals()).isEqualTo(2);
    }

    @Test
    void elevationNeedsRequestersAndApprovers() {
        assertError("roles: [{name: r}]\nelevations:\n  - {login: mlops, nodes: {a: b}, max_duration: 1h, requesters: [r], approvers: []}\n")
                .hasMessageStartingWith("policy.yaml:3: elevation to 'mlops' approvers must name at least one role");
        assertError("roles: [{name: r}]\nelevations:\n  - {login: mlops, nodes: {a: b}, max_duration: 1h, approvers: [r]}\n")
                .hasMessageStartingWith("policy.yaml:3: elevation to 'mlops' needs 'requesters'");
    }

    @Test
    void unknownPermissionIsReported() {
        assertError("roles:\n  - name: ops\n    permissions: [audit, root]\n")
                .hasMessageStartingWith("policy.yaml:3: role 'ops' has unknown permission 'root' (known: admin, audit)");
    }

    @Test
    void unknownSecondFactorIsReported() {
        assertError("""
                roles: [{name: r}]
                elevations:
                  - login: mlops
                    nodes: {tenant: a}
                    max_duration: 1h
                    requesters: [r]
                    approvers: [r]
                    second_factor: sms
                """).hasMessageStartingWith("policy.yaml:8: elevation to 'mlops' has unknown second_factor 'sms' (known: totp)");
    }

    @Test
    void wrongShapesAreReported() {
        assertError("users: alice\n").hasMessageStartingWith("policy.yaml:1: users must be a list");
        assertError("- a\n").hasMessageStartingWith("policy.yaml:1: the policy file must be a mapping");
        assertError("users:\n  - name: alice\n    keys: []\n    disabled: maybe\n")
                .hasMessageStartingWith("policy.yaml:4: user 'alice' disabled must be true or false");
        assertError("nodes:\n  - name: n\n    address: a\n    host_key: \"" + HOST_KEY + "\"\n    labels: {tenant: [a]}\n")
                .hasMessageStartingWith("policy.yaml:5: ");
    }

    /** SnakeYAML's composer keeps the last of two equal keys; a second "users:" must not silently replace the first. */
    @Test
    void duplicateKeysAreRefused() {
        assertError("users: []\nroles: []\nusers: []\n").hasMessageStartingWith("policy.yaml:3: 'users' appears twice");
        assertError("users:\n  - name: alice\n    keys: []\n    disabled: true\n    disabled: false\n")
                .hasMessageStartingWith("policy.yaml:5: 'disabled' appears twice");
    }

    @Test
    void firstProblemInTheFileIsReported() {
        assertError("""
                users:
                  - name: alice
                    keys: []
                    roles: [nope]
                  - name: bob
                    keys: []
                    roles: [nope2]
                """).hasMessageStartingWith("policy.yaml:4: ");
    }

    /** Test access to the package-private address parser through a throwaway node. */
    static final class NodeParserAddress {
        static String[] of(String address) {
            return NodeParser.address(ConfigNode.parse("\"" + address + "\"", "t"), "node");
        }
    }
}
