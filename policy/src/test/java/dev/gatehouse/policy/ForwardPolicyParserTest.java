package dev.gatehouse.policy;

import static dev.gatehouse.policy.PolicyParserTest.assertError;
import static dev.gatehouse.policy.PolicyParserTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@code roles[].forward.ports}: single ports and inclusive ranges, each mistake reported at its line. */
class ForwardPolicyParserTest {
    private static String role(String forward) {
        return """
                roles:
                  - name: engineer
                    logins: [aiops]
                    nodes: {tenant: a}
                    forward:
                """ + forward;
    }

    @Test
    void portsAndRangesAreRead() {
        Policy policy = parse(role("      ports: [\"8000-8999\", 5678, \" 6006 \"]\n"));
        Role engineer = policy.roles().get(0);
        assertThat(engineer.forwardPorts()).containsExactly(new PortRange(8000, 8999), new PortRange(5678, 5678),
                new PortRange(6006, 6006));
        assertThat(engineer.forwards(8000)).isTrue();
        assertThat(engineer.forwards(8999)).isTrue();
        assertThat(engineer.forwards(9000)).isFalse();
        assertThat(engineer.forwardPorts().get(0)).hasToString("8000-8999");
        assertThat(engineer.forwardPorts().get(1)).hasToString("5678");
    }

    @Test
    void aRoleWithoutForwardForwardsNothing() {
        Policy policy = parse("roles:\n  - {name: engineer, logins: [aiops], nodes: {tenant: a}}\n");
        assertThat(policy.roles().get(0).forwardPorts()).isEmpty();
        assertThat(parse(role("      ports: []\n")).roles().get(0).forwardPorts()).isEqualTo(List.of());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0          | role 'engineer' forward port '0' is not valid: write a port from 1 to 65535 or a range such as 8000-8999",
        "65536      | role 'engineer' forward port '65536' is not valid",
        "http       | role 'engineer' forward port 'http' is not valid",
        "'\"-80\"'  | role 'engineer' forward port '-80' is not valid",
        "'\"80-\"'  | role 'engineer' forward port '80-' is not valid",
        "'\"9000-8000\"' | role 'engineer' forward port range '9000-8000' runs backwards; write the lower port first",
        "'\"1-70000\"'   | role 'engineer' forward port '1-70000' is not valid",
    })
    void aBadPortIsReportedAtItsLine(String port, String message) {
        assertError(role("      ports:\n        - " + port + "\n")).hasMessageStartingWith("policy.yaml:7: " + message);
    }

    @Test
    void unknownFieldsAndMissingPortsAreReported() {
        assertError(role("      port: [8888]\n")).hasMessageStartingWith("policy.yaml:6: unknown field 'port' in role 'engineer' forward");
        assertError(role("      {}\n")).hasMessageContaining("ports");
        assertError(role("      ports: 8888\n")).hasMessageStartingWith("policy.yaml:6:");
    }
}
