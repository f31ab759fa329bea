package dev.gatehouse.gateway.web.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.policy.ConfigException;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.policy.PolicyLoader;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The gateway's own addresses, refused as direct app targets when the policy is loaded. */
class GatewayAddressesTest {
    private static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq8Wz2v7ZlB9dTk3u8j0aF3gH5bN2cQ1rV6yX4mP0sE";

    /** Line 7 holds the grafana app's target. */
    private static String policy(String target) {
        return """
                nodes:
                  - {name: gpu-node-1, address: "10.0.0.11", host_key: "%s", labels: {tenant: a}}
                apps:
                  - name: grafana
                    nodes: {tenant: a}
                    login: aiops
                    target: %s
                """.formatted(KEY, target);
    }

    private static void check(String text) {
        Policy p = PolicyLoader.parse(text, "policy.yaml");
        GatewayAddresses.checkPolicy(p, "policy.yaml", text);
    }

    @Test
    void theLoopbackAndWildcardAreTheGatewaysOwn() throws Exception {
        assertThat(GatewayAddresses.isOwn(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(GatewayAddresses.isOwn(InetAddress.getByName("127.3.2.1"))).isTrue();
        assertThat(GatewayAddresses.isOwn(InetAddress.getByName("::1"))).isTrue();
        assertThat(GatewayAddresses.isOwn(InetAddress.getByName("0.0.0.0"))).isTrue();
        assertThat(GatewayAddresses.isOwn(InetAddress.getByName("::"))).isTrue();
        assertThat(GatewayAddresses.isOwn(InetAddress.getByName("::ffff:127.0.0.1"))).isTrue();
        assertThat(GatewayAddresses.isOwn(InetAddress.getByName("198.51.100.77"))).as("TEST-NET-2, on no interface here").isFalse();
    }

    /** Threat: an app entry naming the gateway's own address reaches its listeners from outside (SSRF), found only at the first request. */
    @Test
    void aDirectTargetAtAnAddressOfTheGatewaysInterfacesIsRefusedAtLoadWithItsLine() throws Exception {
        Optional<InetAddress> site = TestTls.siteAddress();
        assumeTrue(site.isPresent(), "this host has no non-loopback IPv4 address");
        String target = "http://" + site.get().getHostAddress() + ":3000";
        assertThatThrownBy(() -> check(policy(target))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("policy.yaml:7: app 'grafana' target " + target + " is an address of the gateway's own interface ")
                .hasMessageContaining("a direct target must be the app's host on the node's network");
    }

    @Test
    void otherDirectTargetsAndNamesLoad() {
        check(policy("http://198.51.100.77:3000"));
        check(policy("http://[2001:db8::7]:3000"));
        // a name is resolved and checked when the gateway connects, never at load
        check(policy("http://grafana.internal:3000"));
        check(policy("http://127.0.0.1:3000"));
    }
}
