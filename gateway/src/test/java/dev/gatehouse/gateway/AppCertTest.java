package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.ClientCertificateClaims;
import dev.gatehouse.pki.TlsCertificateAuthority;
import dev.gatehouse.recorder.AuditEvent;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ssh GATEWAY app-cert APP@NODE [--for D]}: the policy decides as for the browser, the
 * certificate names user and app, lives at most as long as asked and as the grant, and every
 * issue and refusal is on the audit chain.
 */
class AppCertTest {
    static final Pattern PEM = Pattern.compile(
            "(-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n)"
            + "(-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n)");

    /**
     * alice (engineer: apps jupyter, nb, vault on the main pool), bob (viewer: no apps), admin
     * (approver). gpu-node-2 is outside alice's pool: there she opens an app only through a grant
     * for its login (mlops for nb; secops for vault, whose elevation asks for a TOTP code).
     */
    static final Function<Map<String, String>, String> POLICY = keys -> """
            users:
              - {name: alice, keys: ["%s"], roles: [engineer]}
              - {name: bob, keys: ["%s"], roles: [viewer]}
              - {name: admin, keys: ["%s"], roles: [approver]}
            nodes:
              - {name: gpu-node-1, address: "127.0.0.1:9", host_key: "%s", labels: {tenant: team-a, pool: main}}
              - {name: gpu-node-2, address: "127.0.0.1:9", host_key: "%s", labels: {tenant: team-a, pool: restricted}}
              - {name: cpu-node-1, address: "127.0.0.1:9", host_key: "%s", labels: {tenant: team-b}}
            roles:
              - {name: engineer, logins: [aiops], nodes: {pool: main}, apps: [jupyter, nb, vault]}
              - {name: viewer, logins: [aiops], nodes: {tenant: team-a}}
              - {name: approver, logins: [aiops], nodes: {tenant: team-a}}
            elevations:
              - {login: mlops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver]}
              - {login: secops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver], second_factor: totp}
            apps:
              - {name: jupyter, nodes: {tenant: team-a}, target: "http://127.0.0.1:8888", login: aiops}
              - {name: nb, nodes: {tenant: team-a}, target: "http://127.0.0.1:8889", login: mlops}
              - {name: vault, nodes: {tenant: team-a}, target: "http://127.0.0.1:8200", login: secops}
            """.formatted(keys.get("alice"), keys.get("bob"), keys.get("admin"), keys.get("alice"), keys.get("alice"), keys.get("alice"));

    @TempDir Path dir;
    InProcessGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = InProcessGateway.start(dir, Clock.systemUTC(), "", POLICY, "alice", "bob", "admin");
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    TlsCertificateAuthority ca() {
        return gw.gateway().services().tlsCa();
    }

    @Test
    void printsACertificateThenItsKeyForTheAppAndAuditsIt() throws Exception {
        Instant before = Instant.now();
        InProcessGateway.Result r = gw.exec("alice", "app-cert jupyter@gpu-node-1");
        assertThat(r.status()).as(r.stderr()).isZero();
        Matcher pem = PEM.matcher(r.stdout());
        assertThat(pem.matches()).as("certificate PEM then PKCS#8 key PEM, nothing else: %s", r.stdout()).isTrue();

        X509Certificate cert = certificate(pem.group(1));
        ClientCertificateClaims claims = ca().claims(cert);
        assertThat(claims.user()).isEqualTo("alice");
        assertThat(claims.app()).isEqualTo("jupyter");
        assertThat(claims.node()).isEqualTo("gpu-node-1");
        assertThat(Duration.between(before, cert.getNotAfter().toInstant())).isBetween(Duration.ofMinutes(59), Duration.ofMinutes(61));
        assertThat(signsFor(privateKey(pem.group(2)), cert)).as("the key is the certificate's").isTrue();
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=alice");

        List<AuditEvent> issued = gw.events("app.cert.issued");
        assertThat(issued).hasSize(1);
        AuditEvent e = issued.get(0);
        assertThat(e.outcome()).isEqualTo("success");
        assertThat(e.user()).isEqualTo("alice");
        assertThat(e.node()).isEqualTo("gpu-node-1");
        assertThat(e.login()).isEqualTo("aiops");
        assertThat(e.source()).startsWith("127.0.0.1:");
        assertThat(e.details()).containsEntry("app", "jupyter").containsEntry("cert_serial", claims.serialHex())
                .containsEntry("not_after", cert.getNotAfter().toInstant().toString());
    }

    @Test
    void forSetsTheLifetime() throws Exception {
        Instant before = Instant.now();
        InProcessGateway.Result r = gw.exec("alice", "app-cert jupyter@gpu-node-1 --for 10m");
        assertThat(r.status()).as(r.stderr()).isZero();
        X509Certificate cert = certificate(r.stdout());
        assertThat(Duration.between(before, cert.getNotAfter().toInstant())).isBetween(Duration.ofMinutes(9), Duration.ofMinutes(11));
    }

    /** Threat: a certificate outlives the grant that allowed it, keeping app access after the grant ended. */
    @Test
    void throughAGrantTheCertificateEndsWithTheGrant() throws Exception {
        InProcessGateway.Result refused = gw.exec("alice", "app-cert nb@gpu-node-2");
        assertThat(refused.status()).isNotZero();

        InProcessGateway.Result request = gw.exec("alice", "request mlops@gpu-node-2 --for 30m --reason notebook");
        String[] words = request.stdout().strip().split("\\s+");
        String id = words[words.length - 1];
        assertThat(gw.exec("admin", "approve " + id).status()).isZero();

        InProcessGateway.Result r = gw.exec("alice", "app-cert nb@gpu-node-2 --for 2h");
        assertThat(r.status()).as(r.stderr()).isZero();
        X509Certificate cert = certificate(r.stdout());
        Instant grantEnd = gw.gateway().services().access().state().requests().stream()
                .filter(g -> g.id().equals(id)).findFirst().orElseThrow().windowEnd();
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(grantEnd.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        AuditEvent issued = gw.events("app.cert.issued").get(0);
        assertThat(issued.grantId()).isEqualTo(id);
        assertThat(issued.login()).isEqualTo("mlops");
    }

    /** Threat: a user without the app in any role gets a certificate that opens it. */
    @Test
    void aUserWhoseRolesDoNotListTheAppIsRefusedAndTheDenialAudited() throws Exception {
        InProcessGateway.Result r = gw.exec("bob", "app-cert jupyter@gpu-node-1");
        assertThat(r.status()).isNotZero();
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).startsWith("gatehouse: ").contains("jupyter").endsWith("\n");
        assertThat(r.stderr().lines()).hasSize(1);
        List<AuditEvent> denied = gw.events("app.denied");
        assertThat(denied).hasSize(1);
        assertThat(denied.get(0).outcome()).isEqualTo("denied");
        assertThat(denied.get(0).user()).isEqualTo("bob");
        assertThat(denied.get(0).node()).isEqualTo("gpu-node-1");
        assertThat(denied.get(0).details()).containsEntry("app", "jupyter").containsKey("reason");
        assertThat(gw.events("app.cert.issued")).isEmpty();
    }

    /** Threat: a certificate for another tenant's node, or for an app that is not there. */
    @Test
    void otherTenantsNodesAndUnknownAppsAreRefused() throws Exception {
        assertThat(gw.exec("alice", "app-cert jupyter@cpu-node-1").status()).isNotZero();
        InProcessGateway.Result unknown = gw.exec("alice", "app-cert grafana@gpu-node-1");
        assertThat(unknown.status()).isNotZero();
        assertThat(unknown.stderr()).contains("no app 'grafana'");
        assertThat(gw.events("app.denied")).hasSize(2);
        assertThat(gw.events("app.cert.issued")).isEmpty();
    }

    /** Threat: the TOTP step of an elevation is skipped by asking for a certificate instead of a session. */
    @Test
    void aGrantedLoginThatNeedsASecondFactorIsRefused() throws Exception {
        InProcessGateway.Result request = gw.exec("alice", "request secops@gpu-node-2 --for 30m --reason vault");
        String[] words = request.stdout().strip().split("\\s+");
        assertThat(gw.exec("admin", "approve " + words[words.length - 1]).status()).isZero();
        InProcessGateway.Result r = gw.exec("alice", "app-cert vault@gpu-node-2");
        assertThat(r.status()).isNotZero();
        assertThat(r.stderr()).contains("needs a second factor");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void badArgumentsGetOneClearLineAndChangeNothing() throws Exception {
        Map<String, String> cases = Map.of(
                "app-cert", "usage: app-cert APP@NODE",
                "app-cert jupyter", "app-cert needs APP@NODE",
                "app-cert jupyter@", "app-cert needs APP@NODE",
                "app-cert a@b@c", "app-cert needs APP@NODE",
                "app-cert jupyter@gpu-node-1 --for 25h", "--for must be between 1s and 24h",
                "app-cert jupyter@gpu-node-1 --for soon", "duration must look like",
                "app-cert jupyter@gpu-node-1 --for", "--for needs a value",
                "app-cert jupyter@gpu-node-1 --ttl 1h", "unknown option '--ttl'",
                "app-cert jupyter@gpu-node-1 extra", "usage: app-cert APP@NODE");
        for (var c : cases.entrySet()) {
            InProcessGateway.Result r = gw.exec("alice", c.getKey());
            assertThat(r.status()).as(c.getKey()).isNotZero();
            assertThat(r.stdout()).as(c.getKey()).isEmpty();
            assertThat(r.stderr()).as(c.getKey()).startsWith("gatehouse: ").contains(c.getValue());
        }
        assertThat(gw.events("app.cert.issued")).isEmpty();
    }

    @Test
    void theHelpListsIt() throws Exception {
        assertThat(gw.exec("alice", "help").stdout()).contains("app-cert APP@NODE");
    }

    static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    static PrivateKey privateKey(String pem) throws Exception {
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
    }

    static boolean signsFor(PrivateKey key, X509Certificate cert) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(key);
        s.update(new byte[] {1, 2, 3});
        byte[] sig = s.sign();
        Signature v = Signature.getInstance("SHA256withECDSA");
        v.initVerify(cert.getPublicKey());
        v.update(new byte[] {1, 2, 3});
        return v.verify(sig);
    }

}
