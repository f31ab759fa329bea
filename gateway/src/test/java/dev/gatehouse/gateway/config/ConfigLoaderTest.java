package dev.gatehouse.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.policy.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final Path BASE = Path.of("/etc/gatehouse");

    private static GatewayConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "gatehouse.yaml", BASE);
    }

    @Test
    void fullConfigurationResolvesPathsAgainstTheFilesFolder() {
        GatewayConfig c = parse("""
                data_dir: ../data
                ssh:
                  listen: 0.0.0.0:2222
                  idle_timeout: 15m
                store:
                  url: jdbc:sqlite:../data/audit.db
                certificates:
                  ttl: 90s
                  source_addresses: [10.0.0.5/32, "fd00::5/128"]
                recording:
                  streams: false
                  record_input: true
                  stream_cap: 4096
                policy: policy.yaml
                """);
        assertThat(c.dataDir()).isEqualTo(Path.of("/etc/data"));
        assertThat(c.store().url()).isEqualTo("jdbc:sqlite:/etc/data/audit.db");
        assertThat(c.ssh().listen().getHostString()).isEqualTo("0.0.0.0");
        assertThat(c.ssh().listen().getPort()).isEqualTo(2222);
        assertThat(c.ssh().idleTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.certificates().ttl()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.certificates().sourceAddresses()).containsExactly("10.0.0.5/32", "fd00::5/128");
        assertThat(c.recording().streams()).isFalse();
        assertThat(c.recording().recordInput()).isTrue();
        assertThat(c.recording().streamCapBytes()).isEqualTo(4096);
        assertThat(c.policyFile()).isEqualTo(Path.of("/etc/gatehouse/policy.yaml"));
        assertThat(c.store().failClosed()).isTrue();
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        GatewayConfig c = parse("policy: policy.yaml\n");
        assertThat(c.certificates().ttl()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.ssh().maxAuthAttempts()).isEqualTo(3);
        assertThat(c.ssh().authFailuresPerMinute()).isEqualTo(10);
        assertThat(c.ssh().refusedKeyQueriesPerMinute()).isEqualTo(600);
        assertThat(c.ssh().listen().getPort()).isEqualTo(2222);
        assertThat(c.store().url()).isEqualTo("jdbc:sqlite:/etc/data/audit.db");
        assertThat(c.recording().recordInput()).isFalse();
        // Threat: a gateway that silently stops recording sessions. Recording is on unless a config says otherwise.
        assertThat(c.recording().streams()).isTrue();
        assertThat(c.ssh().ioThreads()).isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }

    @Test
    void witnessFilesResolveAgainstTheFilesFolderAfterTheDefaultOne(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("mnt/audit-host"));
        GatewayConfig c = ConfigLoader.parse("policy: p.yaml\nstore:\n  witness_files: [mnt/audit-host/gw.jsonl, "
                + dir.resolve("w2.jsonl") + "]\n", "gatehouse.yaml", dir);
        assertThat(c.store().witnessFiles()).containsExactly(dir.resolve("mnt/audit-host/gw.jsonl"), dir.resolve("w2.jsonl"));
        assertThat(c.witnessFiles()).containsExactly(dir.getParent().resolve("data/checkpoints.jsonl"),
                dir.resolve("mnt/audit-host/gw.jsonl"), dir.resolve("w2.jsonl"));
        assertThat(parse("policy: p.yaml\n").witnessFiles()).containsExactly(Path.of("/etc/data/checkpoints.jsonl"));
    }

    /** A witness on a mount that is not mounted would be written to the local disk beneath it, in reach of an intruder. */
    @Test
    void aWitnessFileInAFolderThatDoesNotExistStopsTheStart(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigLoader.parse("policy: p.yaml\nstore:\n  witness_files:\n    - /mnt/nowhere/gw.jsonl\n",
                "gatehouse.yaml", dir)).isInstanceOf(ConfigException.class)
                .hasMessage("gatehouse.yaml:4: store.witness_files: folder /mnt/nowhere does not exist; create or mount it"
                        + " (a witness is only useful where someone holding the data folder cannot reach it)");
        assertThatThrownBy(() -> ConfigLoader.parse("policy: p.yaml\nstore:\n  witness_files: [../data/checkpoints.jsonl]\n",
                "gatehouse.yaml", dir)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:3: store.witness_files: ").hasMessageContaining("always written");
        assertThatThrownBy(() -> ConfigLoader.parse("policy: p.yaml\nstore:\n  witness_files: [a.jsonl, ./a.jsonl]\n",
                "gatehouse.yaml", dir)).isInstanceOf(ConfigException.class).hasMessageContaining("twice");
    }

    @Test
    void ioThreadsAreBounded() {
        assertThat(parse("policy: p.yaml\nssh:\n  io_threads: 3\n").ssh().ioThreads()).isEqualTo(3);
        assertThatThrownBy(() -> parse("policy: p.yaml\nssh:\n  io_threads: 0\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:3: ssh.io_threads");
    }

    @Test
    void refusedKeyQueriesPerMinuteIsBounded() {
        assertThat(parse("policy: p.yaml\nssh:\n  refused_key_queries_per_minute: 50\n").ssh().refusedKeyQueriesPerMinute())
                .isEqualTo(50);
        assertThatThrownBy(() -> parse("policy: p.yaml\nssh:\n  refused_key_queries_per_minute: 0\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:3: ssh.refused_key_queries_per_minute");
    }

    @Test
    void recordingStreamsTakesOnlyABoolean() {
        assertThatThrownBy(() -> parse("policy: p.yaml\nrecording:\n  streams: sometimes\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:3: recording.streams");
    }

    @Test
    void aTypoIsReportedWithItsLineAndTheKnownFields() {
        assertThatThrownBy(() -> parse("policy: p.yaml\nssh:\n  listen: 127.0.0.1:2222\n  idle_timout: 5m\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:4: unknown field 'idle_timout' in ssh")
                .hasMessageContaining("idle_timeout");
    }

    @Test
    void missingPolicyIsNamed() {
        assertThatThrownBy(() -> parse("ssh:\n  listen: 127.0.0.1:2222\n"))
                .hasMessageStartingWith("gatehouse.yaml:1: ").hasMessageContaining("'policy'");
    }

    @Test
    void badListenAddressIsReported() {
        assertThatThrownBy(() -> parse("policy: p.yaml\nssh:\n  listen: localhost\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: ssh.listen must be host:port");
        assertThatThrownBy(() -> parse("policy: p.yaml\nssh:\n  listen: 127.0.0.1:70000\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: ssh.listen port must be between 0 and 65535");
    }

    @Test
    void auditDataMustSurviveRestartsSoInMemorySqliteIsRefused() {
        // Threat: an operator (or attacker with config access) points the audit log at memory and loses it on restart.
        assertThatThrownBy(() -> parse("policy: p.yaml\nstore:\n  url: \"jdbc:sqlite::memory:\"\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: store.url must name a SQLite file");
        assertThatThrownBy(() -> parse("policy: p.yaml\nstore:\n  url: jdbc:mysql://x/y\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: store.url must start with jdbc:sqlite: or jdbc:postgresql://");
    }

    @Test
    void certificatesStayShortLived() {
        // Threat: a long certificate lifetime turns a stolen per-connection certificate into standing access.
        assertThatThrownBy(() -> parse("policy: p.yaml\ncertificates:\n  ttl: 2h\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: certificates.ttl must be at most 1h");
        assertThatThrownBy(() -> parse("policy: p.yaml\ncertificates:\n  source_addresses: [gateway]\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: 'gateway' is not a CIDR");
        assertThatThrownBy(() -> parse("policy: p.yaml\ncertificates:\n  source_addresses: []\n"))
                .hasMessageContaining("at least one CIDR");
    }

    @Test
    void brokenYamlIsReportedWithALine() {
        assertThatThrownBy(() -> parse("policy: p.yaml\nssh: [unclosed\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:")
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void passphraseSourcesAreExclusive() {
        assertThatThrownBy(() -> parse("policy: p.yaml\nkeys:\n  passphrase_env: X\n  passphrase_file: f\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: keys takes passphrase_env or passphrase_file, not both");
    }

    @Test
    void onlyTheAlgorithmsOfR10CanBeOffered() {
        // Threat: a configuration quietly re-enabling a weak cipher or SHA-1 key exchange.
        assertThatThrownBy(() -> parse("policy: p.yaml\nssh:\n  ciphers: [aes128-gcm@openssh.com, aes128-cbc]\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: 'aes128-cbc' is not allowed in ssh.ciphers");
        assertThatThrownBy(() -> parse("policy: p.yaml\nssh:\n  kex: [diffie-hellman-group14-sha1]\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: 'diffie-hellman-group14-sha1' is not allowed in ssh.kex");
        assertThatThrownBy(() -> parse("policy: p.yaml\nssh:\n  upstream_kex: []\n"))
                .hasMessageContaining("at least one algorithm");
        GatewayConfig c = parse("policy: p.yaml\nssh:\n  ciphers: [chacha20-poly1305@openssh.com, aes256-gcm@openssh.com]\n");
        assertThat(c.ssh().ciphers()).containsExactly("chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com");
        assertThat(parse("policy: p.yaml\n").ssh().ciphers()).doesNotContain("chacha20-poly1305@openssh.com");
    }

    @Test
    void webDefaultsAreTheContractsOnes() {
        GatewayConfig.Web w = parse("policy: p.yaml\n").web();
        assertThat(w.enabled()).isTrue();
        assertThat(w.listen().getHostString()).isEqualTo("127.0.0.1");
        assertThat(w.listen().getPort()).isEqualTo(8443);
        assertThat(w.hostname()).isEqualTo("localhost");
        assertThat(w.tlsCert()).isEmpty();
        assertThat(w.tls12()).isFalse();
        assertThat(w.sessionTtl()).isEqualTo(Duration.ofHours(8));
        assertThat(w.loginTicketTtl()).isEqualTo(Duration.ofSeconds(60));
        assertThat(w.appCertTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(w.tlsProvider()).isEqualTo(dev.gatehouse.gateway.web.tls.TlsProvider.AUTO);
    }

    @Test
    void webTlsProviderIsReadAndABadOneRefusedAtItsLine() {
        assertThat(parse("policy: p.yaml\nweb:\n  tls_provider: jdk\n").web().tlsProvider())
                .isEqualTo(dev.gatehouse.gateway.web.tls.TlsProvider.JDK);
        assertThat(parse("policy: p.yaml\nweb:\n  tls_provider: openssl\n").web().tlsProvider())
                .isEqualTo(dev.gatehouse.gateway.web.tls.TlsProvider.OPENSSL);
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  tls_provider: boringssl\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("gatehouse.yaml:3: web.tls_provider must be auto, jdk or openssl, not 'boringssl'");
    }

    @Test
    void webSectionIsRead(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("chain.pem"), "x");
        Files.writeString(dir.resolve("key.pem"), "x");
        GatewayConfig.Web w = ConfigLoader.parse("""
                policy: p.yaml
                web: {enabled: false, listen: "[::1]:0", hostname: GW.Example.com, tls_cert: chain.pem, tls_key: key.pem,
                      tls12: true, session_ttl: 1h, login_ticket_ttl: 30s, app_cert_ttl: 10m}
                """, "gatehouse.yaml", dir).web();
        assertThat(w.enabled()).isFalse();
        assertThat(w.listen().getHostString()).isEqualTo("::1");
        assertThat(w.listen().getPort()).isZero();
        assertThat(w.hostname()).isEqualTo("gw.example.com");
        assertThat(w.tlsCert()).contains(dir.resolve("chain.pem"));
        assertThat(w.tlsKey()).contains(dir.resolve("key.pem"));
        assertThat(w.tls12()).isTrue();
        assertThat(w.sessionTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(w.loginTicketTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(w.appCertTtl()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void badWebSettingsAreRefusedAtTheirLine() {
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  hostname: https://gw.example\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("gatehouse.yaml:3: web.hostname must be a DNS name");
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  hostname: gw.example:8443\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: web.hostname must be a DNS name");
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  listen: 8443\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: web.listen must be host:port");
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  tls_cert: /nonexistent/chain.pem\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: web.tls_cert and web.tls_key go together");
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  tls_cert: /nonexistent/c.pem\n  tls_key: /nonexistent/k.pem\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: web.tls_cert: file /nonexistent/c.pem does not exist");
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  login_ticket_ttl: 1h\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: web.login_ticket_ttl must be between 1s and 10m, not 1h");
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  session_ttl: 0s\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: web.session_ttl must be longer than zero");
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  enabled: maybe\n"))
                .hasMessageStartingWith("gatehouse.yaml:3: web.enabled");
        assertThatThrownBy(() -> parse("policy: p.yaml\nweb:\n  listn: 127.0.0.1:1\n"))
                .hasMessageStartingWith("gatehouse.yaml:3:");
    }
}
