package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad configuration stops start-up with exit 2 and one line saying where and what. */
class BadConfigIT {
    @TempDir
    Path dir;

    /** Writes a valid config and policy, then replaces one line of {@code file}; returns the config path. */
    private Path configWith(String file, int line, String replacement) {
        String hostKey = Keys.generate(dir.resolve("node_host_key"), "node");
        String userKey = Keys.generate(dir.resolve("alice"), "alice");
        List<String> config = new java.util.ArrayList<>(List.of(
                "data_dir: data",                            // 1
                "ssh:",                                      // 2
                "  idle_timeout: 30m",                       // 3
                "  listen: 127.0.0.1:0",                     // 4
                "store:",                                    // 5
                "  url: jdbc:sqlite:data/audit.db",          // 6
                "certificates:",                             // 7
                "  ttl: 2m",                                 // 8
                "  source_addresses: [127.0.0.1/32]",        // 9
                "policy: policy.yaml"));                     // 10
        List<String> policy = new java.util.ArrayList<>(List.of(
                "users:",                                    // 1
                "  - name: alice",                           // 2
                "    keys: [\"" + userKey + " alice\"]",     // 3
                "    roles: [engineer]",                     // 4
                "nodes:",                                    // 5
                "  - name: gpu-node-1",                      // 6
                "    address: 127.0.0.1:" + NodeSshd.freePort(), // 7
                "    host_key: \"" + hostKey + "\"",         // 8
                "    labels: {tenant: team-a}",              // 9
                "roles:",                                    // 10
                "  - name: engineer",                        // 11
                "    logins: [aiops]",                       // 12
                "    nodes: {tenant: team-a}"));             // 13
        (file.equals("gatehouse.yaml") ? config : policy).set(line - 1, replacement);
        Keys.write(dir.resolve("policy.yaml"), String.join("\n", policy) + "\n");
        Path cfg = dir.resolve("gatehouse.yaml");
        Keys.write(cfg, String.join("\n", config) + "\n");
        return cfg;
    }

    private void assertExit2Naming(Path config, String file, int line) {
        Proc.Result r = Proc.run(List.of(Gateway.java(), "-jar", Gateway.jar().toString(), "serve",
                "--config", config.toString()), null, Map.of(), Duration.ofSeconds(30)); // a config that wrongly starts fails fast
        assertThat(r.exit()).as(r.describe()).isEqualTo(2);
        List<String> lines = r.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("one line on stderr\n" + r.describe()).hasSize(1);
        assertThat(lines.get(0)).as(r.describe()).matches("(.*/)?" + file.replace(".", "\\.") + ":" + line + ": \\S.*");
        assertThat(r.stdout()).doesNotContain("listening");
    }

    @Test
    void unparsableListenAddressIsNamedByFileAndLine() {
        assertExit2Naming(configWith("gatehouse.yaml", 4, "  listen: not-an-address"), "gatehouse.yaml", 4);
    }

    @Test
    void badOpsListenIsNamedByFileAndLine() {
        assertExit2Naming(configWith("gatehouse.yaml", 10, "ops:\n  listen: 9464\npolicy: policy.yaml"), "gatehouse.yaml", 11);
    }

    /** A port in an ops.hosts entry would never match a Host as the guard compares it: refused at start. */
    @Test
    void badOpsHostsEntryIsNamedByFileAndLine() {
        assertExit2Naming(configWith("gatehouse.yaml", 10,
                "ops:\n  listen: 127.0.0.1:0\n  hosts:\n    - gatehouse-1.mgmt.example\n    - gatehouse-1.mgmt.example:9464\n"
                        + "policy: policy.yaml"), "gatehouse.yaml", 14);
    }

    @Test
    void badSyslogFacilityIsNamedByFileAndLine() {
        assertExit2Naming(configWith("gatehouse.yaml", 10, "audit:\n  syslog:\n    host: siem.example\n    facility: local9\n"
                + "policy: policy.yaml"), "gatehouse.yaml", 13);
    }

    @Test
    void unparsableDurationIsNamedByFileAndLine() {
        assertExit2Naming(configWith("gatehouse.yaml", 8, "  ttl: soon"), "gatehouse.yaml", 8);
    }

    /** Threat: a typo in a pinned host key silently turns pinning off. */
    @Test
    void malformedPinnedHostKeyInPolicyIsNamedByFileAndLine() {
        assertExit2Naming(configWith("policy.yaml", 8, "    host_key: \"ssh-ed25519 not-base64!\""), "policy.yaml", 8);
    }

    @Test
    void yamlSyntaxErrorIsNamedByFileAndLine() {
        assertExit2Naming(configWith("gatehouse.yaml", 6, "\turl: jdbc:sqlite:data/audit.db"), "gatehouse.yaml", 6);
    }
}
