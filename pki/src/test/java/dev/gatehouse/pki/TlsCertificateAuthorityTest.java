package dev.gatehouse.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.testing.TestClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TlsCertificateAuthorityTest {
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    @TempDir Path tmp;
    final TestClock clock = new TestClock();

    TlsCertificateAuthority open() throws IOException {
        return TlsCertificateAuthority.open(KeyStorage.software(tmp.resolve("keys"), Optional.empty()),
                tmp.resolve("keys").resolve(TlsCertificateAuthority.CERTIFICATE_FILE), "gw-0123456789abcdef", clock);
    }

    ClientCertificate alice(TlsCertificateAuthority ca) {
        return ca.clientCertificate(Optional.empty(), "alice", "jupyter", "gpu-1", clock.instant().plus(Duration.ofHours(1)));
    }

    @Test
    void firstStartCreatesACaCertificateThatTheNextStartLoadsAgain() throws Exception {
        TlsCertificateAuthority first = open();
        X509Certificate ca = first.certificate();
        assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=Gatehouse TLS CA gw-0123456789abcdef");
        assertThat(ca.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(ca.getBasicConstraints()).as("CA:true pathlen 0").isZero();
        assertThat(ca.getKeyUsage()).as("keyCertSign and cRLSign only")
                .containsExactly(false, false, false, false, false, true, true, false, false);
        assertThat(ca.getExtensionValue("2.5.29.14")).as("subject key identifier").isNotNull();
        assertThat(ca.getNotAfter().toInstant()).isAfterOrEqualTo(clock.instant().plus(Duration.ofDays(3650)));
        ca.verify(ca.getPublicKey());
        Path file = tmp.resolve("keys/tls-ca.crt");
        assertThat(Files.readString(file)).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");

        clock.advance(Duration.ofDays(1));
        assertThat(open().certificate()).isEqualTo(ca);
        assertThat(TlsCertificateAuthority.readCertificate(file)).isEqualTo(ca);
    }

    @DisplayName("Threat: a replaced tls-ca.crt makes clients trust a CA whose key is not the gateway's")
    @Test
    void aCertificateFileForAnotherKeyIsRefusedNamingTheFile() throws Exception {
        open();
        Path file = tmp.resolve("keys/tls-ca.crt");
        KeyPair other = KeyFileCodec.generate(KeyKind.EC_P256);
        Files.writeString(file, TlsPem.certificate(BcTlsCertificateAuthority.selfSigned(other, "x", clock.instant())));
        assertThatThrownBy(this::open).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("not the certificate of the TLS CA key");
    }

    @Test
    void serverCertificateCoversTheHostAndItsAppsWithServerAuthForNinetyDays() throws Exception {
        TlsCertificateAuthority ca = open();
        TlsServerCredentials server = ca.serverCertificate("gate.example.org");
        X509Certificate leaf = server.leaf();
        assertThat(server.chain()).containsExactly(leaf, ca.certificate());
        leaf.verify(ca.certificate().getPublicKey());
        assertThat(sans(leaf)).containsExactlyInAnyOrder(List.of(2, "gate.example.org"), List.of(2, "*.apps.gate.example.org"));
        assertThat(leaf.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(clock.instant());
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(clock.instant().plus(Duration.ofDays(90)));
        assertThat(leaf.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(server.privateKey().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void anIpHostnameGetsAnIpSanAndNoWildcard() throws Exception {
        TlsServerCredentials server = open().serverCertificate("127.0.0.1", List.of("::1", "localhost"), Duration.ofDays(1));
        assertThat(sans(server.leaf())).containsExactlyInAnyOrder(
                List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"), List.of(2, "localhost"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bad host", "evil.com/x", "a..b", "-x.org", "x\u0000.org", "999.1.1.1", "1.2.3", "::g"})
    void serverNamesThatAreNeitherDnsNorIpAreRefused(String name) throws Exception {
        TlsCertificateAuthority ca = open();
        assertThatThrownBy(() -> ca.serverCertificate(name)).isInstanceOf(CertificateRefusedException.class);
    }

    @Test
    void clientCertificateNamesUserAndAppWithClientAuthAndABackdatedStart() throws Exception {
        TlsCertificateAuthority ca = open();
        Instant notAfter = clock.instant().plus(Duration.ofMinutes(30));
        ClientCertificate issued = ca.clientCertificate(Optional.empty(), "alice", "jupyter", "gpu-1", notAfter);
        X509Certificate cert = issued.certificate();
        cert.verify(ca.certificate().getPublicKey());
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=alice");
        assertThat(sans(cert)).containsExactly(List.of(6, "urn:gatehouse:app:jupyter--gpu-1"));
        assertThat(cert.getExtendedKeyUsage()).containsExactly(ClientCertificateClaims.CLIENT_AUTH);
        assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(cert.getNotBefore().toInstant()).isEqualTo(clock.instant().minusSeconds(60));
        assertThat(issued.notAfter()).isEqualTo(notAfter);
        assertThat(issued.serialHex()).isEqualTo(cert.getSerialNumber().toString(16));
        assertThat(cert.getSerialNumber().bitLength()).isBetween(64, 127);
        assertThat(issued.privateKey()).isPresent();
        assertThat(issued.pem()).startsWith("-----BEGIN CERTIFICATE-----").contains("-----BEGIN PRIVATE KEY-----");
        assertThat(issued.toString()).doesNotContain(issued.privateKey().get().toString());

        ClientCertificateClaims claims = ca.claims(cert);
        assertThat(claims).isEqualTo(new ClientCertificateClaims("alice", "jupyter", "gpu-1", issued.serialHex(), notAfter));
    }

    @Test
    void aHolderSuppliedKeyIsCertifiedAndNoPrivateKeyIsReturned() throws Exception {
        KeyPair mine = KeyFileCodec.generate(KeyKind.EC_P256);
        ClientCertificate issued = open().clientCertificate(Optional.of(mine.getPublic()), "bob", "tb", "n1",
                clock.instant().plusSeconds(600));
        assertThat(issued.certificate().getPublicKey()).isEqualTo(mine.getPublic());
        assertThat(issued.privateKey()).isEmpty();
        assertThat(issued.pem()).doesNotContain("PRIVATE KEY");
    }

    @DisplayName("Threat: a subject name with RFC 4514 specials smuggles another attribute into the DN")
    @Test
    void userNameSpecialsStayInsideTheCommonName() throws Exception {
        TlsCertificateAuthority ca = open();
        ClientCertificate issued = ca.clientCertificate(Optional.empty(), "eve,CN=admin+O=x", "jupyter", "gpu-1",
                clock.instant().plusSeconds(600));
        assertThat(issued.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=eve\\,CN\\=admin\\+O\\=x");
        assertThat(ca.claims(issued.certificate()).user()).isEqualTo("eve,CN=admin+O=x");
    }

    @Test
    void serialsAreUnique() throws Exception {
        TlsCertificateAuthority ca = open();
        Set<String> serials = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            serials.add(ca.clientCertificate(Optional.of(ca.certificate().getPublicKey()), "u", "a", "n",
                    clock.instant().plusSeconds(60)).serialHex());
        }
        assertThat(serials).hasSize(200);
    }

    @Test
    void badClientCertificateRequestsAreRefusedWithTheReason() throws Exception {
        TlsCertificateAuthority ca = open();
        Instant inAnHour = clock.instant().plus(Duration.ofHours(1));
        assertThatThrownBy(() -> ca.clientCertificate(Optional.empty(), "alice", "a--b", "n", inAnHour))
                .isInstanceOf(CertificateRefusedException.class).hasMessageContaining("no '--'");
        assertThatThrownBy(() -> ca.clientCertificate(Optional.empty(), "alice", "app-", "n", inAnHour))
                .isInstanceOf(CertificateRefusedException.class).hasMessageContaining("app name");
        assertThatThrownBy(() -> ca.clientCertificate(Optional.empty(), "alice", "app", "n/../x", inAnHour))
                .isInstanceOf(CertificateRefusedException.class).hasMessageContaining("node name");
        assertThatThrownBy(() -> ca.clientCertificate(Optional.empty(), "al\nice", "app", "n", inAnHour))
                .isInstanceOf(CertificateRefusedException.class).hasMessageContaining("user name");
        assertThatThrownBy(() -> ca.clientCertificate(Optional.empty(), "alice", "app", "n", clock.instant()))
                .isInstanceOf(CertificateRefusedException.class).hasMessageContaining("future");
        assertThatThrownBy(() -> ca.clientCertificate(Optional.empty(), "alice", "app", "n",
                clock.instant().plus(Duration.ofHours(25)))).isInstanceOf(CertificateRefusedException.class)
                .hasMessageContaining("may not exceed 24h");
    }

    @DisplayName("Threat: a stolen certificate keeps working after its lifetime")
    @Test
    void anExpiredOrNotYetValidClientCertificateIsRefused() throws Exception {
        TlsCertificateAuthority ca = open();
        X509Certificate cert = alice(ca).certificate();
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        assertThatThrownBy(() -> ca.claims(cert)).isInstanceOf(CertificateRefusedException.class).hasMessageContaining("expired");
        clock.set(cert.getNotBefore().toInstant().minusSeconds(1));
        assertThatThrownBy(() -> ca.claims(cert)).isInstanceOf(CertificateRefusedException.class)
                .hasMessageContaining("not valid before");
    }

    @DisplayName("Threat: an edited certificate (another user's name) is accepted without its signature being checked")
    @Test
    void aTamperedCertificateIsRefused() throws Exception {
        TlsCertificateAuthority ca = open();
        byte[] der = alice(ca).certificate().getEncoded();
        byte[] name = "alice".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(der, name);
        System.arraycopy("mallo".getBytes(StandardCharsets.US_ASCII), 0, der, at, name.length);
        X509Certificate tampered = parse(der);
        assertThat(tampered.getSubjectX500Principal().getName()).isEqualTo("CN=mallo");
        assertThatThrownBy(() -> ca.claims(tampered)).isInstanceOf(CertificateRefusedException.class)
                .hasMessageContaining("not issued by this gateway's TLS CA");
    }

    @DisplayName("Threat: a certificate from another CA (or another gateway) is taken as one of ours")
    @Test
    void aCertificateFromAnotherCaIsRefused() throws Exception {
        TlsCertificateAuthority ours = open();
        TlsCertificateAuthority theirs = TlsCertificateAuthority.open(KeyStorage.software(tmp.resolve("other"), Optional.empty()),
                tmp.resolve("other/tls-ca.crt"), "gw-0123456789abcdef", clock);
        assertThatThrownBy(() -> ours.claims(alice(theirs).certificate())).isInstanceOf(CertificateRefusedException.class)
                .hasMessageContaining("not issued by this gateway's TLS CA");
    }

    @DisplayName("Threat: the gateway's server certificate, presented as a client certificate, opens an app")
    @Test
    void aCertificateWithoutClientAuthOrWithoutAnAppIsRefused() throws Exception {
        TlsCertificateAuthority ca = open();
        assertThatThrownBy(() -> ca.claims(ca.serverCertificate("gate.example.org").leaf()))
                .isInstanceOf(CertificateRefusedException.class).hasMessageContaining("clientAuth");
    }

    @Test
    void opensslParsesAndVerifiesTheCertificates() throws Exception {
        TlsCertificateAuthority ca = open();
        Path caFile = tmp.resolve("keys/tls-ca.crt");
        ClientCertificate client = alice(ca);
        Path clientFile = Processes.write(tmp.resolve("client.pem"), client.pem());
        Path serverFile = Processes.write(tmp.resolve("server.pem"), TlsPem.certificate(ca.serverCertificate("gate.example.org").leaf()));
        String at = Long.toString(clock.instant().getEpochSecond());

        Processes.Result text = Processes.run("/usr/bin/openssl", "x509", "-noout", "-text", "-in", clientFile.toString());
        assertThat(text.exitCode()).as(text.output()).isZero();
        assertThat(text.output()).contains("TLS Web Client Authentication", "URI:urn:gatehouse:app:jupyter--gpu-1",
                "Subject: CN = alice", "ecdsa-with-SHA256");
        Processes.Result verifyClient = Processes.run("/usr/bin/openssl", "verify", "-attime", at, "-purpose", "sslclient",
                "-CAfile", caFile.toString(), clientFile.toString());
        assertThat(verifyClient.output()).contains(": OK");
        Processes.Result verifyServer = Processes.run("/usr/bin/openssl", "verify", "-attime", at, "-purpose", "sslserver",
                "-CAfile", caFile.toString(), serverFile.toString());
        assertThat(verifyServer.output()).contains(": OK");
        Processes.Result key = Processes.run("/usr/bin/openssl", "pkey", "-noout", "-in", clientFile.toString());
        assertThat(key.exitCode()).as(key.output()).isZero();

        Processes.Result wrongPurpose = Processes.run("/usr/bin/openssl", "verify", "-attime", at, "-purpose", "sslserver",
                "-CAfile", caFile.toString(), clientFile.toString());
        assertThat(wrongPurpose.output()).doesNotContain(": OK");
    }

    @Test
    void pemReadersNameTheFileAndTheProblem() throws Exception {
        Path missing = tmp.resolve("nope.pem");
        assertThatThrownBy(() -> TlsPem.readCertificates(missing)).hasMessageContaining(missing + " does not exist");
        Path key = Processes.write(tmp.resolve("key.pem"), TlsPem.privateKey(KeyFileCodec.generate(KeyKind.EC_P256).getPrivate()));
        assertThatThrownBy(() -> TlsPem.readCertificates(key)).hasMessageContaining(key.toString())
                .hasMessageContaining("holds a private key where a certificate");
        Path cert = Processes.write(tmp.resolve("cert.pem"), open().certificatePem());
        assertThatThrownBy(() -> TlsPem.readPrivateKey(cert)).hasMessageContaining("holds a certificate where a private key");
        Path empty = Processes.write(tmp.resolve("empty.pem"), "hello\n");
        assertThatThrownBy(() -> TlsPem.readCertificates(empty)).hasMessageContaining("holds no PEM certificate");
        assertThat(TlsPem.readPrivateKey(key).getAlgorithm()).isEqualTo("EC");
    }

    static Collection<List<?>> sans(X509Certificate cert) throws Exception {
        return cert.getSubjectAlternativeNames();
    }

    static X509Certificate parse(byte[] der) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
