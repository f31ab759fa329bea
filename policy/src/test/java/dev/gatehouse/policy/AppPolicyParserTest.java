package dev.gatehouse.policy;

import static dev.gatehouse.policy.PolicyParserTest.assertError;
import static dev.gatehouse.policy.PolicyParserTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code apps:} and {@code roles[].apps}: what an app is reached at and as whom. Every mistake is
 * refused at its line, because an app name, target or login that slips through would address the
 * wrong host name, reach the wrong service or log in as the wrong account.
 */
class AppPolicyParserTest {
    private static final String HOST_KEY = TestKeys.ed25519(9);
    /** A test CA certificate (public part only). */
    static final String CA_PEM = """
            -----BEGIN CERTIFICATE-----
            MIIBnTCCAUOgAwIBAgIUTa4ilJ3Ff7jpsknWUtDNKAGnPpkwCgYIKoZIzj0EAwIw
            IzEhMB8GA1UEAwwYR2F0ZWhvdXNlIHBvbGljeSB0ZXN0IENBMCAXDTI2MTEyOTIy
            MTc1NFoYDzIxMjYxMTA1MjIxNzU0WjAjMSEwHwYDVQQDDBhHYXRlaG91c2UgcG9s
            aWN5IHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARksPMiYFrq4Oma
            L76qYgljgaNEQpSLiSo+bH+NDrVCTEidkoJ6FShRpoCZGvMUTERsaTKtiWMEs7zd
            RJdsGgA0o1MwUTAdBgNVHQ4EFgQUnXdALl8388eVM2eDSJD+DoBstZ8wHwYDVR0j
            BBgwFoAUnXdALl8388eVM2eDSJD+DoBstZ8wDwYDVR0TAQH/BAUwAwEB/zAKBggq
            hkjOPQQDAgNIADBFAiEApCRtSr2P5Uf1wKHJxGguieX2R+2bEO+AqSbF0/qYK+0C
            IDHace4yOdrs+N3eFByZXdVvcsUu0OeR3mCV1h2aMGYh
            -----END CERTIFICATE-----
            """;

    /** Lines 1-5: forbidden logins, a node and a role; the app starts on line 6 (its name), fields follow. */
    private static String policy(String app) {
        return """
                forbidden_logins: [toor]
                nodes:
                  - {name: gpu-a1, address: 10.0.0.11, host_key: "%s", labels: {kind: gpu}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {kind: gpu}, apps: [jupyter]}
                apps:
                """.formatted(HOST_KEY) + app;
    }

    /** The jupyter app with one field line replaced (name, nodes, target, login on lines 7-10). */
    private static String jupyter(String name, String nodes, String target, String login) {
        return policy("  - name: " + name + "\n    nodes: " + nodes + "\n    target: " + target + "\n    login: " + login + "\n");
    }

    private static String jupyterWithTarget(String target) {
        return jupyter("jupyter", "{kind: gpu}", target, "notebook");
    }

    private static String indented(String pem) {
        return pem.lines().map(l -> "      " + l).reduce((a, b) -> a + "\n" + b).orElseThrow() + "\n";
    }

    @Test
    void aLoopbackAppAndARoleListingItAreRead() {
        Policy policy = parse(jupyterWithTarget("http://127.0.0.1:8888/"));
        App app = new App("jupyter", Map.of("kind", "gpu"), URI.create("http://127.0.0.1:8888"), "notebook", Optional.empty());
        assertThat(policy.apps()).containsExactly(app);
        assertThat(policy.app("jupyter")).contains(app);
        assertThat(policy.app("nope")).isEmpty();
        assertThat(app.viaTunnel()).isTrue();
        assertThat(app.targetPort()).isEqualTo(8888);
        assertThat(policy.role("engineer").orElseThrow().apps()).containsExactly("jupyter");
    }

    @Test
    void anHttpsAppOnTheNodesNetworkCarriesItsCa() {
        Policy policy = parse(policy("""
                  - name: grafana
                    nodes: {kind: gpu}
                    target: HTTPS://grafana.internal
                    login: aiops
                    target_ca: |
                """ + indented(CA_PEM)).replace("apps: [jupyter]", "apps: [grafana]"));
        App app = policy.app("grafana").orElseThrow();
        assertThat(app.target()).isEqualTo(URI.create("https://grafana.internal"));
        assertThat(app.targetCa()).contains(CA_PEM);
        assertThat(app.viaTunnel()).isFalse();
        assertThat(app.tls()).isTrue();
        assertThat(app.targetPort()).isEqualTo(443);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:8888", "http://[::1]:8888", "https://127.0.0.1:8443", "http://LOCALHOST"})
    void loopbackTargetsGoThroughTheTunnelAndNeedNoCa(String target) {
        App app = parse(jupyterWithTarget(target)).app("jupyter").orElseThrow();
        assertThat(app.viaTunnel()).isTrue();
        assertThat(app.targetCa()).isEmpty();
    }

    @Test
    void aPolicyWithoutAppsHasNone() {
        Policy policy = parse("roles:\n  - {name: engineer, logins: [aiops], nodes: {kind: gpu}}\n");
        assertThat(policy.apps()).isEmpty();
        assertThat(policy.roles().get(0).apps()).isEqualTo(List.of());
        assertThat(parse("apps:\n").apps()).isEmpty();
    }

    @Test
    void anEmptySelectorIsAcceptedAndMatchesNothing() {
        assertThat(parse(jupyter("jupyter", "{}", "http://127.0.0.1:8888", "notebook")).app("jupyter").orElseThrow().nodes())
                .isEmpty();
        assertThat(parse(jupyter("jupyter", "", "http://127.0.0.1:8888", "notebook")).app("jupyter").orElseThrow().nodes())
                .isEmpty();
    }

    /** The app name is the first label of {@code APP--NODE.apps.HOST}: anything else breaks or forges host names. */
    @ParameterizedTest
    @ValueSource(strings = {"Jupyter", "jup--yter", "-jupyter", "jupyter-", "jup_yter", "jup.yter",
        "a12345678901234567890123456789012345678901", "'\"jupyter lab\"'", "'\"jupyter\\u00e9\"'"})
    void anAppNameThatIsNotADnsLabelIsRefusedAtItsLine(String name) {
        assertError(jupyter(name, "{kind: gpu}", "http://127.0.0.1:8888", "notebook"))
                .hasMessageStartingWith("policy.yaml:7: app name ")
                .hasMessageContaining("is not valid: it is the first label of the host name APP--NODE.apps.HOST");
    }

    @Test
    void aFortyCharacterNameIsTheLongestAccepted() {
        String forty = "a".repeat(40);
        assertThat(parse(jupyter(forty, "{kind: gpu}", "http://127.0.0.1:8888", "notebook").replace("apps: [jupyter]",
                "apps: [" + forty + "]")).app(forty)).isPresent();
    }

    @Test
    void aDuplicateAppIsRefusedAtItsSecondDefinition() {
        String twice = jupyterWithTarget("http://127.0.0.1:8888")
                + "  - {name: jupyter, nodes: {kind: gpu}, target: \"http://127.0.0.1:9999\", login: notebook}\n";
        assertError(twice).hasMessage(
                "policy.yaml:11: duplicate app 'jupyter' (first defined on line 7); app names must be unique");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ftp://127.0.0.1:21           | must start with http:// or https://",
        "127.0.0.1:8888               | is not a valid URL; write it like http://127.0.0.1:8888",
        "grafana.internal:3000        | must start with http:// or https://",
        "/lab                         | must start with http:// or https://",
        "http:127.0.0.1               | has no host",
        "http:///lab                  | has no host",
        "http://user:pw@127.0.0.1:8888 | contains a user name or password",
        "http://a_b:8888              | has no valid host name",
        "http://127.0.0.1:0           | has port 0; use a number from 1 to 65535",
        "http://127.0.0.1:65536       | has port 65536; use a number from 1 to 65535",
        "http://127.0.0.1:8888/?x=1   | has a query or fragment",
        "http://127.0.0.1:8888#top    | has a query or fragment",
        "http://127.0.0.1:8888/lab    | has path '/lab'; the app is proxied at its root",
        "'\"http://127.0.0.1:8888 x\"' | is not a valid URL",
    })
    void aBadTargetIsRefusedAtItsLine(String target, String problem) {
        assertError(jupyterWithTarget(target)).hasMessageStartingWith("policy.yaml:9: app 'jupyter' target ")
                .hasMessageContaining(problem);
    }

    /**
     * Threat: a direct target that names the dialling machine (the wildcard address, another
     * loopback spelling) makes the gateway proxy a browser into its own services (SSRF).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "http://0.0.0.0:8888              | host '0.0.0.0' is the unspecified (wildcard) address",
        "http://0.1.2.3:80                | host '0.1.2.3' is the unspecified (wildcard) address",
        "http://[::]:8888                 | host '[::]' is the unspecified (wildcard) address",
        "http://[0:0:0:0:0:0:0:0]:8888    | is the unspecified (wildcard) address",
        "http://[0::0]:8888               | is the unspecified (wildcard) address",
        "http://[0:0:0:0:0:0:0:1]:8888    | is the IPv6 loopback written out; write ::1",
        "http://127.0.1.1:8888            | is a loopback address other than 127.0.0.1",
        "http://127.255.255.254:8888      | is a loopback address other than 127.0.0.1",
        "http://jupyter.localhost:8888    | is a loopback name",
        "http://localhost.:8888           | is a loopback name",
        "http://[::ffff:127.0.0.1]:8888   | with an embedded IPv4 address",
        "http://[::ffff:7f00:1]:80        | with an embedded IPv4 address",
    })
    void aTargetThatNamesTheDiallingMachineIsRefusedAtItsLine(String target, String problem) {
        assertError(jupyterWithTarget(target)).hasMessageStartingWith("policy.yaml:9: app 'jupyter' target ")
                .hasMessageContaining(problem);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://10.0.0.5:3000", "http://[fd00::5]:80", "http://128.0.0.1", "http://localhost.example.com",
        "http://grafana-0.internal:3000", "http://[2001:db8::1]:80"})
    void networkTargetsStillLoad(String target) {
        assertThat(parse(jupyterWithTarget(target)).app("jupyter").orElseThrow().viaTunnel()).isFalse();
    }

    /** Apps log in to nodes like roles do: root and forbidden logins must not come back through an app. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "root    | app 'jupyter' uses login 'root', which is always forbidden, for apps as for roles",
        "ROOT    | app 'jupyter' uses login 'ROOT', which is always forbidden, for apps as for roles",
        "toor    | app 'jupyter' uses login 'toor', which forbidden_logins refuses (for apps as for roles); remove one of the two",
        "'\"a,b\"' | app 'jupyter': login name 'a,b' contains ','",
        "'\"-x\"'  | app 'jupyter': login name '-x' starts with '-'",
    })
    void aLoginRolesCouldNotGrantIsRefusedAtItsLine(String login, String message) {
        assertError(jupyter("jupyter", "{kind: gpu}", "http://127.0.0.1:8888", login))
                .hasMessageStartingWith("policy.yaml:10: " + message);
    }

    @Test
    void missingAndUnknownFieldsAreReported() {
        assertError(policy("  - {name: jupyter, target: \"http://127.0.0.1:8888\", login: notebook}\n"))
                .hasMessage("policy.yaml:7: app 'jupyter' needs 'nodes'");
        assertError(policy("  - {name: jupyter, nodes: {kind: gpu}, login: notebook}\n"))
                .hasMessage("policy.yaml:7: app 'jupyter' needs 'target'");
        assertError(policy("  - {name: jupyter, nodes: {kind: gpu}, target: \"http://127.0.0.1:8888\"}\n"))
                .hasMessage("policy.yaml:7: app 'jupyter' needs 'login'");
        assertError(policy("  - {nodes: {kind: gpu}}\n")).hasMessage("policy.yaml:7: each app needs 'name'");
        assertError(policy("  - {name: jupyter, port: 8888}\n"))
                .hasMessageStartingWith("policy.yaml:7: unknown field 'port' in an app (known: login, name, nodes, target, target_ca)");
        assertError(jupyter("jupyter", "{kind: [gpu]}", "http://127.0.0.1:8888", "notebook"))
                .hasMessageStartingWith("policy.yaml:8: app 'jupyter' nodes.kind must be a single value");
    }

    /** An https target on the network must be verified against a pinned CA; otherwise anyone on the path reads it. */
    @Test
    void aNetworkHttpsTargetWithoutCaIsRefused() {
        assertError(jupyterWithTarget("https://grafana.internal:3000")).hasMessage(
                "policy.yaml:7: app 'jupyter' needs 'target_ca' (the PEM of the CA that signs grafana.internal's certificate): "
                        + "gatehouse never trusts an https target it cannot verify");
    }

    @Test
    void aCaForAnHttpTargetIsRefusedRatherThanIgnored() {
        assertError(jupyterWithTarget("http://grafana.internal:3000") + "    target_ca: |\n" + indented(CA_PEM))
                .hasMessageStartingWith("policy.yaml:11: app 'jupyter' has target_ca but its target is http://");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'\"grafana-ca.pem\"'                                   | must be the PEM text of a CA certificate",
        "'\"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\"' | is not a readable PEM certificate",
        "'\"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\"' | contains a private key",
    })
    void aTargetCaThatIsNotACertificateIsRefused(String ca, String problem) {
        assertError(jupyterWithTarget("https://grafana.internal:3000") + "    target_ca: " + ca + "\n")
                .hasMessageStartingWith("policy.yaml:11: app 'jupyter' target_ca ").hasMessageContaining(problem);
    }

    @Test
    void aRoleNamingAnUnknownAppIsRefusedAtTheName() {
        assertError(jupyterWithTarget("http://127.0.0.1:8888").replace("apps: [jupyter]", "apps: [jupyter, grafana]"))
                .hasMessage("policy.yaml:5: role 'engineer' apps names unknown app 'grafana' (defined apps: jupyter)");
        assertError(policy("").replace("apps: [jupyter]", "apps: [jupyter]"))
                .hasMessage("policy.yaml:5: role 'engineer' apps names unknown app 'jupyter' (defined apps: none)");
        assertError(jupyterWithTarget("http://127.0.0.1:8888").replace("apps: [jupyter]", "apps: jupyter"))
                .hasMessageStartingWith("policy.yaml:5: role 'engineer' apps must be a list");
    }

    /** {@code a--b} in a node name would make {@code APP--NODE} ambiguous, so it is refused once apps exist. */
    @Test
    void aNodeNameWithDoubleHyphenIsRefusedOnlyWhenThePolicyHasApps() {
        String doubled = jupyterWithTarget("http://127.0.0.1:8888").replace("name: gpu-a1", "name: gpu--a1");
        assertError(doubled).hasMessage("policy.yaml:3: node name 'gpu--a1' contains '--', which separates app and node "
                + "in app host names (APP--NODE.apps.HOST); rename the node, since this policy has apps");
        String noApps = """
                nodes:
                  - {name: gpu--a1, address: 10.0.0.11, host_key: "%s", labels: {kind: gpu}}
                """.formatted(HOST_KEY);
        assertThat(parse(noApps).node("gpu--a1")).isPresent();
    }
}
