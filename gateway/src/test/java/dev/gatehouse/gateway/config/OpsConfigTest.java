package dev.gatehouse.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.policy.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpsConfigTest {
    @TempDir
    Path dir;

    private GatewayConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "gatehouse.yaml", dir);
    }

    @Test
    void opsListensOnLoopback9464AndNoSyslogByDefault() {
        GatewayConfig c = parse("policy: policy.yaml\n");
        assertThat(c.ops().enabled()).isTrue();
        assertThat(c.ops().listen().getHostString()).isEqualTo("127.0.0.1");
        assertThat(c.ops().listen().getPort()).isEqualTo(9464);
        assertThat(c.audit().syslog()).isEmpty();
    }

    @Test
    void opsCanMoveOrBeTurnedOff() {
        assertThat(parse("policy: p.yaml\nops:\n  listen: \"[::1]:0\"\n").ops().listen().getHostString()).isEqualTo("::1");
        assertThat(parse("policy: p.yaml\nops: {enabled: false}\n").ops().enabled()).isFalse();
    }

    @Test
    void badOpsValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> parse("policy: p.yaml\nops:\n  listen: 9464\n")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:3: ops.listen must be host:port");
        assertThatThrownBy(() -> parse("policy: p.yaml\nops:\n  listen: 127.0.0.1:70000\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: ops.listen port must be between 0 and 65535");
        assertThatThrownBy(() -> parse("policy: p.yaml\nops:\n  enabled: maybe\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: ops.enabled");
        assertThatThrownBy(() -> parse("policy: p.yaml\nops:\n  port: 1\n"))
                .hasMessageStartingWith("gatehouse.yaml:3:").hasMessageContaining("port");
    }

    @Test
    void opsHostsAreNamesKeptInLowerCaseWithoutTheTrailingDot() {
        assertThat(parse("policy: p.yaml\n").ops().hosts()).isEmpty();
        assertThat(parse("policy: p.yaml\nops:\n  hosts: [Gatehouse-1.MGMT.example., scrape-2, gatehouse-1.mgmt.example]\n")
                .ops().hosts()).containsExactly("gatehouse-1.mgmt.example", "scrape-2");
    }

    /**
     * Threat: an entry that cannot be matched against a Host as written (a port, a scheme, a
     * wildcard) silently guards nothing or everything; each is refused at start with its line.
     */
    @Test
    void badOpsHostsNameFileLineAndEntry() {
        for (String bad : List.of("\"*.mgmt.example\"", "gatehouse-1.mgmt.example:9464", "\"http://gatehouse-1\"",
                "\"gate house\"", "-gw.example", "gw-.example", "\"a..b\"", "gw/metrics", "\"\"", "x" + "y".repeat(63) + ".example",
                "10.0.0.5", "\"[::1]\"", "\"::1\"", "1.2.3.999", "{name: a}")) {
            assertThatThrownBy(() -> parse("policy: p.yaml\nops:\n  hosts:\n    - ok.example\n    - " + bad + "\n"))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageStartingWith("gatehouse.yaml:5: ")
                    .hasMessageContaining("ops.hosts");
        }
        assertThatThrownBy(() -> parse("policy: p.yaml\nops:\n  hosts: gw.example\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: ops.hosts must be a list");
        assertThatThrownBy(() -> parse("policy: p.yaml\nops:\n  hosts: [10.0.0.5]\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: ops.hosts lists DNS names only: '10.0.0.5' is an IP address");
        assertThatThrownBy(() -> parse("policy: p.yaml\nops:\n  hosts: [\"*.example\"]\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: ops.hosts takes no wildcards");
    }

    @Test
    void syslogOverTcpTakesDefaults() {
        GatewayConfig.Syslog s = parse("policy: p.yaml\naudit:\n  syslog:\n    host: siem.example\n").audit().syslog().orElseThrow();
        assertThat(s.host()).isEqualTo("siem.example");
        assertThat(s.port()).isEqualTo(514);
        assertThat(s.tls()).isFalse();
        assertThat(s.appName()).isEqualTo("gatehouse");
        assertThat(s.facility()).isEqualTo(10);
    }

    @Test
    void syslogOverTlsNeedsAnExistingCaFileAndDefaultsTo6514() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        GatewayConfig.Syslog s = parse("policy: p.yaml\naudit:\n  syslog:\n    host: siem.example\n    tls: true\n"
                + "    ca_file: ca.pem\n    facility: local3\n").audit().syslog().orElseThrow();
        assertThat(s.port()).isEqualTo(6514);
        assertThat(s.caFile()).contains(dir.resolve("ca.pem"));
        assertThat(s.facility()).isEqualTo(19);
        assertThatThrownBy(() -> parse("policy: p.yaml\naudit:\n  syslog:\n    host: siem.example\n    tls: true\n"))
                .hasMessageStartingWith("gatehouse.yaml:4: audit.syslog.tls is true but ca_file is missing");
        assertThatThrownBy(() -> parse("policy: p.yaml\naudit:\n  syslog:\n    host: h\n    tls: true\n    ca_file: no.pem\n"))
                .hasMessageStartingWith("gatehouse.yaml:6: audit.syslog.ca_file: file ").hasMessageContaining("does not exist");
    }

    @Test
    void badSyslogValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> parse("policy: p.yaml\naudit:\n  syslog:\n    port: 514\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("host");
        assertThatThrownBy(() -> parse("policy: p.yaml\naudit:\n  syslog:\n    host: \"a b\"\n"))
                .hasMessageStartingWith("gatehouse.yaml:4: audit.syslog.host must be a host name");
        assertThatThrownBy(() -> parse("policy: p.yaml\naudit:\n  syslog:\n    host: h\n    port: 0\n"))
                .hasMessageStartingWith("gatehouse.yaml:5: audit.syslog.port");
        assertThatThrownBy(() -> parse("policy: p.yaml\naudit:\n  syslog:\n    host: h\n    facility: local9\n"))
                .hasMessageStartingWith("gatehouse.yaml:5: audit.syslog.facility must be a facility name");
        assertThatThrownBy(() -> parse("policy: p.yaml\naudit:\n  syslog:\n    host: h\n    facility: 24\n"))
                .hasMessageStartingWith("gatehouse.yaml:5: audit.syslog.facility");
        assertThatThrownBy(() -> parse("policy: p.yaml\naudit:\n  syslog:\n    host: h\n    app_name: \"has space\"\n"))
                .hasMessageStartingWith("gatehouse.yaml:5: audit.syslog.app_name must be 1 to 48 printable ASCII");
        assertThatThrownBy(() -> parse("policy: p.yaml\naudit:\n  syslog:\n    host: h\n    ca_file: x.pem\n"))
                .hasMessageStartingWith("gatehouse.yaml:5: audit.syslog.ca_file is only used with tls: true");
        assertThatThrownBy(() -> parse("policy: p.yaml\naudit:\n  webhook: {}\n"))
                .hasMessageStartingWith("gatehouse.yaml:3:");
    }

    @Test
    void instanceDefaultsToTheChainIdATwoSecondHeartbeatAndTenSecondsToDead() {
        GatewayConfig.Instance i = parse("policy: p.yaml\n").instance();
        assertThat(i.name()).isEmpty();
        assertThat(i.heartbeat()).isEqualTo(java.time.Duration.ofSeconds(2));
        assertThat(i.deadAfter()).isEqualTo(java.time.Duration.ofSeconds(10));
        GatewayConfig.Instance set = parse("policy: p.yaml\ninstance:\n  name: gw-a\n  heartbeat: 500ms\n  dead_after: 3s\n")
                .instance();
        assertThat(set).isEqualTo(new GatewayConfig.Instance(java.util.Optional.of("gw-a"), java.time.Duration.ofMillis(500),
                java.time.Duration.ofSeconds(3), java.util.Optional.empty()));
        assertThat(parse("policy: p.yaml\ninstance:\n  advertise: gw-a.internal\n").instance().advertise()).contains("gw-a.internal");
        assertThat(parse("policy: p.yaml\ninstance:\n  advertise: \"[fd00::5]\"\n").instance().advertise()).contains("fd00::5");
    }

    /** Threat: an advertised address other instances cannot call (or that carries more than a host) breaks observe silently. */
    @Test
    void advertiseMustBeOneCallableHost() {
        for (String bad : java.util.List.of("0.0.0.0", "\"::\"", "\"[::]\"", "gw-a:8443", "\"gw a\"", "-gw", "https://gw-a")) {
            assertThatThrownBy(() -> parse("policy: p.yaml\ninstance:\n  advertise: " + bad + "\n"))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageStartingWith("gatehouse.yaml:3: instance.advertise must be");
        }
    }

    /** Threat: an instance name is printed in listings and on terminals; control characters must not get there. */
    @Test
    void badInstanceValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> parse("policy: p.yaml\ninstance:\n  name: \"gw\\e[2J\"\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("gatehouse.yaml:3: instance.name must be 1 to 64");
        assertThatThrownBy(() -> parse("policy: p.yaml\ninstance:\n  heartbeat: 0s\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: instance.heartbeat must be longer than zero");
        assertThatThrownBy(() -> parse("policy: p.yaml\ninstance:\n  heartbeat: 5s\n  dead_after: 5s\n"))
                .hasMessageStartingWith("gatehouse.yaml:4: instance.dead_after (5000 ms) must be longer than instance.heartbeat");
        assertThatThrownBy(() -> parse("policy: p.yaml\ninstance:\n  heartbeat: 20s\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: instance.dead_after");
        assertThatThrownBy(() -> parse("policy: p.yaml\ninstance:\n  id: x\n"))
                .hasMessageStartingWith("gatehouse.yaml:3:").hasMessageContaining("id");
    }
}
