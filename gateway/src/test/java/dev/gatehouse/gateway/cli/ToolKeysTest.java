package dev.gatehouse.gateway.cli;

import static dev.gatehouse.gateway.cli.CliRun.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.GatewayKeys;
import dev.gatehouse.gateway.InProcessGateway;
import dev.gatehouse.gateway.config.ConfigLoader;
import dev.gatehouse.pki.JwsSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local CLI never creates keys, and {@code audit verify} needs only the audit key's public
 * half: an auditor's host holds {@code keys/audit-key.pub}, copied from the gateway's data folder.
 */
class ToolKeysTest {
    @TempDir
    Path dir;

    /** Output of one CLI run. */
    /**
     * Threat: on a host without the audit private key, verify made a new key, and every genuine
     * checkpoint then read as forged (or, worse, the auditor's host got a signing key).
     */
    @Test
    void auditVerifyOnAHostWithOnlyThePublicKeyPassesAndCreatesNoKey() throws Exception {
        Path gatewayDir = Files.createDirectories(dir.resolve("gateway"));
        InProcessGateway.start(gatewayDir, Clock.systemUTC(), "", keys -> "users: []\n", "nobody").close();
        Path gatewayData = gatewayDir.resolve("data");
        String thumbprint = JwsSigner.es256(GatewayKeys.open(ConfigLoader.load(gatewayDir.resolve("gatehouse.yaml")))
                .auditKey()).thumbprint();

        Path auditor = Files.createDirectories(dir.resolve("auditor"));
        Path config = auditorConfig(auditor, gatewayData.resolve("audit.db"));
        Files.createDirectories(auditor.resolve("data/keys"));
        Files.copy(gatewayData.resolve("keys/audit-key.pub"), auditor.resolve("data/keys/audit-key.pub"));
        Files.copy(gatewayData.resolve("checkpoints.jsonl"), auditor.resolve("data/checkpoints.jsonl"));

        CliRun ok = cli("audit", "verify", "--config", config.toString());
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(ok.out()).startsWith("audit verify: OK: 1 chain(s), ").contains("JWK thumbprint (RFC 7638) " + thumbprint);
        assertThat(files(auditor.resolve("data/keys"))).containsExactly("audit-key.pub");

        Files.delete(auditor.resolve("data/keys/audit-key.pub"));
        CliRun missing = cli("audit", "verify", "--config", config.toString());
        assertThat(missing.exit()).isEqualTo(Main.FAILED);
        assertThat(missing.err()).startsWith("gatehouse: no audit key to verify with in " + auditor.resolve("data/keys"))
                .contains("copy audit-key.pub from the gateway's data folder");
        assertThat(files(auditor.resolve("data/keys"))).isEmpty();
    }

    /** Threat: `ca show` before the gateway ever started made a CA that the gateway would then use. */
    @Test
    void caShowOnAnEmptyDataFolderCreatesNoKey() throws Exception {
        Path config = auditorConfig(dir, dir.resolve("nowhere.db"));
        CliRun r = cli("ca", "show", "ssh-user", "--config", config.toString());
        assertThat(r.exit()).isEqualTo(Main.FAILED);
        assertThat(r.err()).startsWith("gatehouse: no user-ca key in " + dir.resolve("data/keys") + " yet: the gateway"
                + " creates its keys at its first start");
        assertThat(dir.resolve("data")).doesNotExist();
    }

    private static Path auditorConfig(Path folder, Path store) throws Exception {
        Files.writeString(folder.resolve("policy.yaml"), "users: []\n");
        Path config = folder.resolve("gatehouse.yaml");
        Files.writeString(config, String.join("\n", "data_dir: data", "store:", "  url: jdbc:sqlite:" + store,
                "policy: policy.yaml", ""));
        return config;
    }

    private static java.util.List<String> files(Path folder) throws Exception {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
