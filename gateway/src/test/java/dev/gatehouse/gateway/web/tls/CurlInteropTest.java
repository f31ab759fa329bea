package dev.gatehouse.gateway.web.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.ClientCertificate;
import dev.gatehouse.pki.ClientCertificateClaims;
import dev.gatehouse.pki.TlsCertificateAuthority;
import dev.gatehouse.pki.testing.PkiFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract's command line works with the real curl (OpenSSL): it trusts the CA from
 * {@code ca show tls}, accepts the {@code *.apps.HOST} certificate for an app host, and presents
 * an {@code app-cert} PEM file (certificate then key) with {@code --cert}.
 */
class CurlInteropTest {
    static final Path CURL = Path.of("/usr/bin/curl");
    static final String APP_HOST = "jupyter--gpu-1.apps.localhost";

    @TempDir Path tmp;
    final Clock clock = Clock.systemUTC();

    record Run(int exit, String output) {}

    @Test
    void curlWithAnAppCertReachesTheAppHostAndIsIdentified() throws Exception {
        TlsCertificateAuthority ca = PkiFixtures.tlsCa(tmp.resolve("ca"), clock);
        ServerTls tls = new ServerTls("localhost", false, Optional.empty(), Optional.empty(), ca, clock);
        ClientCertificate mine = ca.clientCertificate(Optional.empty(), "alice", "jupyter", "gpu-1",
                clock.instant().plus(Duration.ofHours(1)));
        Path caPem = Files.writeString(tmp.resolve("ca.pem"), ca.certificatePem());
        Path mePem = Files.writeString(tmp.resolve("me.pem"), mine.pem());
        try (TlsLoopback server = new TlsLoopback(tls.context(), true)) {
            Run withCert = curl(server.port(), "--cacert", caPem.toString(), "--cert", mePem.toString());
            assertThat(withCert.exit()).as(withCert.output()).isZero();
            assertThat(withCert.output()).isEqualTo("ok");
            SSLSession session = server.nextHandshake().get(10, TimeUnit.SECONDS);
            assertThat(session.getProtocol()).isEqualTo("TLSv1.3");
            assertThat(tls.clientCertificate(session).map(ClientCertificateClaims::user)).contains("alice");

            Run without = curl(server.port(), "--cacert", caPem.toString());
            assertThat(without.exit()).as("a client without a certificate is not bothered: %s", without.output()).isZero();
            assertThat(tls.clientCertificate(server.nextHandshake().get(10, TimeUnit.SECONDS))).isEmpty();

            Run untrusted = curl(server.port());
            assertThat(untrusted.exit()).as("without --cacert the gateway's CA is not trusted").isNotZero();
        }
    }

    private Run curl(int port, String... options) throws Exception {
        assertThat(CURL).as("this test needs curl").isExecutable();
        List<String> command = new ArrayList<>(List.of(CURL.toString(), "-sS", "--http1.1", "--max-time", "20",
                "--resolve", APP_HOST + ":" + port + ":127.0.0.1"));
        command.addAll(List.of(options));
        command.add("https://" + APP_HOST + ":" + port + "/");
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), output);
    }
}
