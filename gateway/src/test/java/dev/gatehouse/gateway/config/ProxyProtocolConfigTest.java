package dev.gatehouse.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.policy.ConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code ssh.proxy_protocol} and {@code web.proxy_protocol}: which balancers may send a PROXY header. */
class ProxyProtocolConfigTest {
    private static GatewayConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "gatehouse.yaml", Path.of("/etc/gatehouse"));
    }

    @Test
    void unsetOnBothListenersByDefault() {
        GatewayConfig c = parse("policy: p.yaml\n");
        assertThat(c.ssh().proxyProtocol()).isEmpty();
        assertThat(c.web().proxyProtocol()).isEmpty();
        assertThat(parse("policy: p.yaml\nweb:\n  listen: 127.0.0.1:0\n").web().proxyProtocol()).isEmpty();
    }

    @Test
    void bothListenersTakeTheirOwnBalancersInCanonicalForm() {
        GatewayConfig c = parse("""
                policy: p.yaml
                ssh:
                  proxy_protocol: {from: ["10.0.0.5/32", "172.28.0.0/16"]}
                web:
                  proxy_protocol:
                    from: ["FD00:0:0:0::/64"]
                """);
        assertThat(c.ssh().proxyProtocol()).hasValueSatisfying(p -> assertThat(p.texts()).containsExactly("10.0.0.5/32", "172.28.0.0/16"));
        assertThat(c.web().proxyProtocol()).hasValueSatisfying(p -> assertThat(p.texts()).containsExactly("fd00::/64"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "from: []                              | 4 | ssh.proxy_protocol.from must name at least one",
        "from: [\"10.0.0.5\"]                  | 4 | is not a CIDR",
        "from: [\"balancer.internal/32\"]      | 4 | is not an IPv4 or IPv6 address (host names are not accepted",
        "from: [\"cafe/16\"]                   | 4 | is not an IPv4 or IPv6 address",
        "from: [\"10.0.0.5/33\"]               | 4 | prefix length must be between 0 and 32",
        "from: [\"fd00::/129\"]                | 4 | prefix length must be between 0 and 128",
        "from: [\"10.0.0.5/x\"]                | 4 | prefix length that is not a number",
        "from: [\"10.0.0.5/24\"]               | 4 | has address bits set beyond its /24 prefix",
        "from: [\"10.0.0.5/32\", \"10.0.0.5/32\"] | 4 | names 10.0.0.5/32 twice",
        "from: 10.0.0.5/32                     | 4 | ssh.proxy_protocol.from",
        "trusted: [\"10.0.0.5/32\"]            | 4 | unknown field 'trusted' in ssh.proxy_protocol",
    })
    void badSettingsAreReportedWithTheirLine(String setting, int line, String problem) {
        String yaml = "policy: p.yaml\nssh:\n  proxy_protocol:\n    " + setting.strip() + "\n";
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:" + line + ": ")
                .hasMessageContaining(problem);
    }

    @Test
    void fromIsRequiredAndTheWebListenerNamesItsOwnSetting() {
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  proxy_protocol: {}\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:3: ")
                .hasMessageContaining("from");
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  proxy_protocol:\n    from: [\"300.0.0.1/32\"]\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:4: ")
                .hasMessageContaining("web.proxy_protocol.from");
    }
}
