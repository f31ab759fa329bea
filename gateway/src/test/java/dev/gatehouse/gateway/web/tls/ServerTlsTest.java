package dev.gatehouse.gateway.web.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.CertificateRefusedException;
import dev.gatehouse.pki.ClientCertificate;
import dev.gatehouse.pki.ClientCertificateClaims;
import dev.gatehouse.pki.KeyStorage;
import dev.gatehouse.pki.TlsCertificateAuthority;
import dev.gatehouse.pki.TlsPem;
import dev.gatehouse.pki.testing.TestClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTPS listener's TLS, over real loopback handshakes with the JDK's client, on the JDK's
 * JSSE; {@link ServerTlsOpenSslTest} runs every test here again on OpenSSL.
 */
class ServerTlsTest {
    static final String APP_HOST = "jupyter--gpu-1.apps.localhost";
    static final List<String> BOTH = List.of("TLSv1.3", "TLSv1.2");
    static final List<String> H2_AND_H1 = List.of("h2", "http/1.1");

    @TempDir Path tmp;
    // the CA's clock is real time: the JDK client checks validity against the system clock
    final Clock clock = Clock.systemUTC();

    TlsCertificateAuthority ca(String dir) throws IOException {
        return TlsCertificateAuthority.open(KeyStorage.software(tmp.resolve(dir), Optional.empty()),
                tmp.resolve(dir).resolve("tls-ca.crt"), "test", clock);
    }

    /** The TLS implementation under test. */
    TlsProvider provider() {
        return TlsProvider.JDK;
    }

    ServerTls defaults(TlsCertificateAuthority ca, boolean tls12) throws IOException {
        return new ServerTls("localhost", tls12, Optional.empty(), Optional.empty(), ca, clock, provider());
    }

    @Test
    void tls13HandshakeToAnAppHostSelectsH2AndVerifiesAgainstTheCa() throws Exception {
        TlsCertificateAuthority ca = ca("ca");
        try (TlsLoopback server = new TlsLoopback(defaults(ca, false).context());
                SSLSocket client = server.client(APP_HOST, ca.certificate(), BOTH, H2_AND_H1, null)) {
            client.startHandshake();
            assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(client.getApplicationProtocol()).isEqualTo("h2");
            SSLSession serverSide = server.nextHandshake().get(10, TimeUnit.SECONDS);
            assertThat(serverSide.getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void aClientOfferingOnlyHttp11GetsHttp11() throws Exception {
        TlsCertificateAuthority ca = ca("ca");
        try (TlsLoopback server = new TlsLoopback(defaults(ca, false).context());
                SSLSocket client = server.client("localhost", ca.certificate(), BOTH, List.of("http/1.1"), null)) {
            client.startHandshake();
            assertThat(client.getApplicationProtocol()).isEqualTo("http/1.1");
        }
    }

    @DisplayName("Threat: a downgrade to TLS 1.2 (weaker suites, no forward secrecy guarantees) when the operator did not allow it")
    @Test
    void tls12IsRefusedByDefault() throws Exception {
        TlsCertificateAuthority ca = ca("ca");
        try (TlsLoopback server = new TlsLoopback(defaults(ca, false).context());
                SSLSocket client = server.client("localhost", ca.certificate(), List.of("TLSv1.2"), H2_AND_H1, null)) {
            assertThatThrownBy(client::startHandshake).isInstanceOf(SSLException.class);
            assertThat(server.nextHandshake()).failsWithin(Duration.ofSeconds(10));
        }
    }

    @Test
    void withTls12AllowedOnlyEcdheAeadSuitesAreNegotiated() throws Exception {
        TlsCertificateAuthority ca = ca("ca");
        ServerTls tls = defaults(ca, true);
        assertThat(tls.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(tls.context().cipherSuites()).allMatch(s -> s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_")
                || s.startsWith("TLS_ECDHE_") && (s.contains("_GCM_") || s.contains("CHACHA20_POLY1305")));
        try (TlsLoopback server = new TlsLoopback(tls.context());
                SSLSocket client = server.client("localhost", ca.certificate(), List.of("TLSv1.2"), H2_AND_H1, null)) {
            client.startHandshake();
            assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(client.getSession().getCipherSuite()).startsWith("TLS_ECDHE_ECDSA_WITH_").matches(".*(GCM|CHACHA20).*");
        }
        try (TlsLoopback server = new TlsLoopback(tls.context());
                SSLSocket client = server.client("localhost", ca.certificate(), List.of("TLSv1.2"), H2_AND_H1, null)) {
            client.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});
            assertThatThrownBy(client::startHandshake).as("CBC suites are not offered").isInstanceOf(SSLException.class);
        }
    }

    @Test
    void anAppCertClientCertificateAuthenticatesAndNamesItsApp() throws Exception {
        TlsCertificateAuthority ca = ca("ca");
        ServerTls tls = defaults(ca, false);
        ClientCertificate mine = ca.clientCertificate(Optional.empty(), "alice", "jupyter", "gpu-1",
                clock.instant().plus(Duration.ofHours(1)));
        try (TlsLoopback server = new TlsLoopback(tls.context());
                SSLSocket client = server.client(APP_HOST, ca.certificate(), BOTH, H2_AND_H1,
                        mine.privateKey().orElseThrow(), mine.certificate(), ca.certificate())) {
            client.startHandshake();
            echo(client);
            SSLSession session = server.nextHandshake().get(10, TimeUnit.SECONDS);
            assertThat(tls.clientCertificate(session)).contains(new ClientCertificateClaims("alice", "jupyter", "gpu-1",
                    mine.serialHex(), mine.notAfter()));
        }
    }

    @Test
    void aBrowserWithoutAClientCertificateIsServedAndHasNoCertificateIdentity() throws Exception {
        TlsCertificateAuthority ca = ca("ca");
        ServerTls tls = defaults(ca, false);
        try (TlsLoopback server = new TlsLoopback(tls.context());
                SSLSocket client = server.client("localhost", ca.certificate(), BOTH, H2_AND_H1, null)) {
            client.startHandshake();
            echo(client);
            assertThat(tls.clientCertificate(server.nextHandshake().get(10, TimeUnit.SECONDS))).isEmpty();
        }
    }

    @DisplayName("Threat: a client certificate from another CA (another gateway, a self-made one) is taken as an identity"
            + " or silently ignored")
    @Test
    void aClientCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        TlsCertificateAuthority ca = ca("ca");
        // same CA name ("Gatehouse TLS CA test"), another key: the client offers its certificate
        // for the issuer the server names, and only the signature tells them apart
        TlsCertificateAuthority other = ca("other");
        ClientCertificate foreign = other.clientCertificate(Optional.empty(), "alice", "jupyter", "gpu-1",
                clock.instant().plus(Duration.ofHours(1)));
        try (TlsLoopback server = new TlsLoopback(defaults(ca, false).context());
                SSLSocket client = server.client(APP_HOST, ca.certificate(), BOTH, H2_AND_H1,
                        foreign.privateKey().orElseThrow(), foreign.certificate())) {
            try {
                client.startHandshake();
                echo(client);
            } catch (IOException | AssertionError expected) {
                // the server's alert arrives during the handshake or, in TLS 1.3, on the first read
            }
            CompletableFuture<SSLSession> serverSide = server.nextHandshake();
            assertThat(serverSide).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(SSLHandshakeException.class)
                    // the JDK puts the PKIX reason in the message, OpenSSL's engine in the cause chain
                    .satisfies(e -> assertThat(org.assertj.core.util.Throwables.getRootCause(e))
                            .hasMessageContaining("does not chain with any of the trust anchors"));
        }
    }

    @Test
    void anOperatorCertificateAndKeyAreServed() throws Exception {
        Path cert = tmp.resolve("op.crt");
        Path key = tmp.resolve("op.key");
        openssl(cert, key, "gate.example.org");
        TlsCertificateAuthority ca = ca("ca");
        ServerTls tls = new ServerTls("gate.example.org", false, Optional.of(cert), Optional.of(key), ca, clock, provider());
        X509Certificate operator = TlsPem.readCertificates(cert).get(0);
        assertThat(tls.chain()).containsExactly(operator);
        try (TlsLoopback server = new TlsLoopback(tls.context());
                SSLSocket client = server.client("gate.example.org", operator, BOTH, H2_AND_H1, null)) {
            client.startHandshake();
            assertThat(client.getSession().getPeerCertificates()[0]).isEqualTo(operator);
        }
    }

    @DisplayName("Threat: a misconfigured key pair starts a listener that every client then fails against, or serves the wrong name")
    @Test
    void operatorFilesThatDoNotFitAreRefusedNamingTheSettingAndFile() throws Exception {
        TlsCertificateAuthority ca = ca("ca");
        Path cert = tmp.resolve("a.crt");
        Path key = tmp.resolve("a.key");
        Path otherCert = tmp.resolve("b.crt");
        Path otherKey = tmp.resolve("b.key");
        openssl(cert, key, "gate.example.org");
        openssl(otherCert, otherKey, "gate.example.org");

        assertThatThrownBy(() -> new ServerTls("h", false, Optional.of(cert), Optional.of(otherKey), ca, clock, provider()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("web.tls_key " + otherKey + " is not the private key of the first certificate in web.tls_cert "
                        + cert);
        assertThatThrownBy(() -> new ServerTls("h", false, Optional.of(cert), Optional.empty(), ca, clock, provider()))
                .hasMessageContaining("web.tls_cert is set (" + cert + ") but web.tls_key is not");
        assertThatThrownBy(() -> new ServerTls("h", false, Optional.of(key), Optional.of(key), ca, clock, provider()))
                .hasMessageStartingWith("web.tls_cert: " + key + " holds a private key where a certificate");
        assertThatThrownBy(() -> new ServerTls("h", false, Optional.of(cert), Optional.of(tmp.resolve("missing.key")), ca, clock, provider()))
                .hasMessageStartingWith("web.tls_key: " + tmp.resolve("missing.key") + " does not exist");
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(3)), clock.getZone());
        assertThatThrownBy(() -> new ServerTls("h", false, Optional.of(cert), Optional.of(key), ca, later, provider()))
                .hasMessageContaining("web.tls_cert " + cert + ": the certificate expired at");
    }

    @Test
    void theCaIssuedServerCertificateIsForTheHostAndItsApps() throws Exception {
        TlsCertificateAuthority ca = ca("ca");
        ServerTls tls = new ServerTls("gate.example.org", false, Optional.empty(), Optional.empty(), ca, new TestClock(), provider());
        assertThat(tls.chain()).hasSize(2).last().isEqualTo(ca.certificate());
        assertThat(tls.chain().get(0).getSubjectAlternativeNames().stream().map(n -> (Object) n.get(1)).toList())
                .containsExactlyInAnyOrder("gate.example.org", "*.apps.gate.example.org");
    }

    /** Threat: a gateway that runs for months starts serving an expired certificate and every client fails. */
    @Test
    void theCaIssuedCertificateIsRenewedAfterTwoThirdsOfItsLifeAndAnOperatorsIsNot() throws Exception {
        TestClock fake = new TestClock(Instant.now());
        TlsCertificateAuthority ca = dev.gatehouse.pki.testing.PkiFixtures.tlsCa(tmp.resolve("fake"), fake);
        ServerTls tls = new ServerTls("localhost", false, Optional.empty(), Optional.empty(), ca, fake, provider());
        X509Certificate first = tls.chain().get(0);
        var firstContext = tls.context();
        fake.advance(Duration.ofDays(59));
        assertThat(tls.context()).isSameAs(firstContext);
        assertThat(tls.chain().get(0)).isEqualTo(first);
        fake.advance(Duration.ofDays(1));
        assertThat(tls.context()).isNotSameAs(firstContext);
        X509Certificate renewed = tls.chain().get(0);
        assertThat(renewed).isNotEqualTo(first);
        assertThat(renewed.getNotBefore().toInstant()).isEqualTo(fake.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertThat(tls.context()).as("renewed once, not per connection").isSameAs(tls.context());

        Path cert = tmp.resolve("op.crt");
        Path key = tmp.resolve("op.key");
        openssl(cert, key, "gate.example.org");
        TestClock operatorClock = new TestClock(Instant.now());
        ServerTls operator = new ServerTls("gate.example.org", false, Optional.of(cert), Optional.of(key), ca, operatorClock, provider());
        var operatorContext = operator.context();
        operatorClock.advance(Duration.ofDays(2));
        assertThat(operator.context()).isSameAs(operatorContext);
    }

    @Test
    void aClaimsRefusalFromAPresentedCertificateIsReported() throws Exception {
        TlsCertificateAuthority ca = ca("ca");
        ServerTls tls = defaults(ca, false);
        X509Certificate serverLeaf = tls.chain().get(0);
        SSLSession session = (SSLSession) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SSLSession.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getPeerCertificates")) {
                        return new java.security.cert.Certificate[] {serverLeaf};
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        assertThatThrownBy(() -> tls.clientCertificate(session)).isInstanceOf(CertificateRefusedException.class)
                .hasMessageContaining("clientAuth");
    }

    private static void echo(SSLSocket client) throws IOException {
        client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        client.getOutputStream().flush();
        byte[] back = client.getInputStream().readNBytes(4);
        assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo("ping");
    }

    private void openssl(Path cert, Path key, String name) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-subj", "/CN=" + name,
                "-days", "1", "-addext", "subjectAltName=DNS:" + name)
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(Files.exists(cert)).isTrue();
    }
}
