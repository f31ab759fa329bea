package dev.gatehouse.gateway.cli;

import static dev.gatehouse.gateway.cli.CliRun.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.InProcessGateway;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse ca show tls} prints the TLS CA the gateway made at its first start, and never makes one. */
class CaShowTlsTest {
    @TempDir
    Path dir;

    @Test
    void printsTheCaCertificateTheGatewayCreatedAtItsFirstStart() throws Exception {
        InProcessGateway.start(dir, Clock.systemUTC(), "", keys -> "users: []\n", "nobody").close();
        Path crt = dir.resolve("data/keys/tls-ca.crt");
        assertThat(crt).exists();
        assertThat(dir.resolve("data/keys/tls-ca.pem")).exists();

        CliRun r = cli("ca", "show", "tls", "--config", dir.resolve("gatehouse.yaml").toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEqualTo(Files.readString(crt)).startsWith("-----BEGIN CERTIFICATE-----");
        X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(r.out().getBytes(StandardCharsets.US_ASCII)));
        assertThat(ca.getSubjectX500Principal().getName()).startsWith("CN=Gatehouse TLS CA gw-");
        assertThat(ca.getBasicConstraints()).isZero();
    }

    /** Threat: `ca show tls` before the gateway ever started made a CA that the gateway would then use. */
    @Test
    void beforeTheFirstStartItSaysSoAndCreatesNothing() throws Exception {
        Files.writeString(dir.resolve("policy.yaml"), "users: []\n");
        Path config = dir.resolve("gatehouse.yaml");
        Files.writeString(config, String.join("\n", "data_dir: data", "store:", "  url: jdbc:sqlite:" + dir.resolve("a.db"),
                "policy: policy.yaml", ""));
        CliRun r = cli("ca", "show", "tls", "--config", config.toString());
        assertThat(r.exit()).isEqualTo(Main.FAILED);
        assertThat(r.err()).startsWith("gatehouse: no TLS CA certificate (tls-ca.crt) in " + dir.resolve("data/keys")
                + " yet: the gateway creates it at its first start");
        assertThat(dir.resolve("data")).doesNotExist();
        assertThat(r.out()).isEmpty();
    }

    @Test
    void anUnknownKeyNameListsTheKnownOnes() throws Exception {
        CliRun r = cli("ca", "show", "x509", "--config", dir.resolve("gatehouse.yaml").toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("use ssh-user, ssh-host or tls");
    }
}
