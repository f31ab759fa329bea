package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.gateway.web.Https1;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole HTTPS app path in one process: web-login over SSH, the browser login and launch, and
 * an app request carried through the node's sshd (direct-tcpip) to an HTTP app on the node's
 * loopback, with the assertion header added and everything audited.
 */
class WebAppThroughNodeTest {
    @TempDir
    Path dir;
    TestNode node;
    HttpServer app;
    InProcessGateway gw;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.accepting();
        node.server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
        app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        app.createContext("/", exchange -> {
            String assertion = exchange.getRequestHeaders().getFirst("Gatehouse-Jwt-Assertion");
            byte[] body = ("hello from the app at " + exchange.getRequestURI() + "; assertion "
                    + (assertion == null ? "missing" : "present") + "; cookies "
                    + exchange.getRequestHeaders().getFirst("Cookie")).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        app.start();
        int appPort = app.getAddress().getPort();
        gw = InProcessGateway.start(dir, keys -> """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                  - {name: admin, keys: ["%s"], roles: [admin]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:%d", host_key: "%s", labels: {tenant: team-a}}
                apps:
                  - {name: jupyter, nodes: {tenant: team-a}, target: "http://127.0.0.1:%d", login: aiops}
                  - {name: grafana, nodes: {tenant: team-a}, target: "http://127.0.0.1:3000", login: aiops}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}, apps: [jupyter, grafana]}
                  - {name: admin, permissions: [admin]}
                """.formatted(keys.get("alice"), keys.get("admin"), node.port(), node.hostKeyLine(), appPort), "alice", "admin");
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
        app.stop(0);
        node.close();
    }

    /** An mTLS client context holding a fresh {@code app-cert jupyter@gpu-node-1} certificate of alice's. */
    private SSLContext withAppCert(String args) throws Exception {
        InProcessGateway.Result issued = gw.exec("alice", "app-cert jupyter@gpu-node-1" + args);
        assertThat(issued.status()).as(issued.stderr()).isZero();
        // curl --cert takes the one file; the JDK reads its two parts apart
        String text = issued.stdout();
        int keyAt = text.indexOf("-----BEGIN PRIVATE KEY-----");
        Path certFile = dir.resolve("me.crt");
        Path keyFile = dir.resolve("me.key");
        java.nio.file.Files.writeString(certFile, text.substring(0, keyAt));
        java.nio.file.Files.writeString(keyFile, text.substring(keyAt));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("me", dev.gatehouse.pki.TlsPem.readPrivateKey(keyFile), new char[0],
                dev.gatehouse.pki.TlsPem.readCertificates(certFile).toArray(new java.security.cert.Certificate[0]));
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        return gw.tlsClient(kmf.getKeyManagers());
    }

    @Test
    void browserReachesTheAppOnTheNodeThroughTheTunnel() throws Exception {
        SSLContext tls = gw.tlsClient(null);
        String out = gw.exec("alice", "web-login").stdout().trim();
        URI login = URI.create(out.substring(out.lastIndexOf(' ') + 1));
        int port = login.getPort();
        HttpClient browser = HttpClient.newBuilder().sslContext(tls).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10)).build();
        String console = browser.send(HttpRequest.newBuilder(login).build(), HttpResponse.BodyHandlers.ofString())
                .headers().firstValue("set-cookie").orElseThrow();
        console = console.substring(0, console.indexOf(';'));

        String appHost = "jupyter--gpu-node-1.apps.localhost";
        // a browser without an app cookie is sent to the console's launch page
        Https1.Answer first = Https1.get(tls, port, appHost, appHost, "/hello?x=1", null);
        assertThat(first.status()).isEqualTo(302);
        URI launchUri = URI.create(first.header("location"));
        assertThat(launchUri.getHost()).isEqualTo("localhost");
        HttpResponse<String> launch = browser.send(HttpRequest.newBuilder(launchUri).header("Cookie", console).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(launch.statusCode()).isEqualTo(302);
        URI own = URI.create(launch.headers().firstValue("location").orElseThrow());
        Https1.Answer set = Https1.get(tls, port, appHost, appHost, own.getRawPath() + "?" + own.getRawQuery(), null);
        assertThat(set.header("location")).isEqualTo("/hello?x=1");
        String appCookie = set.header("set-cookie");
        appCookie = appCookie.substring(0, appCookie.indexOf(';'));

        Https1.Answer page = Https1.get(tls, port, appHost, appHost, "/hello?x=1", appCookie + "; theme=dark");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).isEqualTo("hello from the app at /hello?x=1; assertion present; cookies theme=dark");

        assertThat(gw.events("app.session.start")).singleElement().satisfies(e -> {
            assertThat(e.user()).isEqualTo("alice");
            assertThat(e.details()).containsEntry("app", "jupyter").containsEntry("via", "cookie");
        });
        assertThat(gw.events("app.request")).singleElement().satisfies(e -> assertThat(e.details())
                .containsEntry("path", "/hello").containsEntry("status", "200"));
        assertThat(node.keyIds).isNotEmpty();
    }

    /** A script with an app-cert certificate reaches the app without any cookie; the session says so. */
    @Test
    void clientCertificateFromAppCertReachesTheApp() throws Exception {
        SSLContext mtls = withAppCert(" --for 10m");
        int port = gw.gateway().webAddress().orElseThrow().getPort();

        String appHost = "jupyter--gpu-node-1.apps.localhost";
        Https1.Answer page = Https1.get(mtls, port, appHost, appHost, "/v1/models", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).startsWith("hello from the app at /v1/models; assertion present");
        assertThat(gw.events("app.session.start")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("via", "client_cert"));

        // the same certificate names one app host only: another app's host does not take it as identity,
        // and says so (403 with the reason, app.denied), rather than sending a program to a login page
        Https1.Answer other = Https1.get(mtls, port, "grafana--gpu-node-1.apps.localhost", "grafana--gpu-node-1.apps.localhost",
                "/", null);
        assertThat(other.status()).isEqualTo(403);
        assertThat(gw.events("app.denied")).anySatisfy(e -> assertThat(e.details())
                .containsEntry("app", "grafana").containsEntry("reason", "client certificate is for jupyter--gpu-node-1, not this app"));
    }

    /** Threat: a locked user's app session (an open notebook) keeps going; the lock must end it within 2 s. */
    @Test
    void lockEndsTheLiveAppSessionAndRefusesTheNextRequest() throws Exception {
        SSLContext mtls = withAppCert("");
        int port = gw.gateway().webAddress().orElseThrow().getPort();
        String appHost = "jupyter--gpu-node-1.apps.localhost";
        assertThat(Https1.get(mtls, port, appHost, appHost, "/", null).status()).isEqualTo(200);
        assertThat(gw.gateway().services().sessions().all()).extracting(s -> s.kindName()).contains("app");

        assertThat(gw.exec("admin", "lock user alice --reason incident").status()).isZero();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).untilAsserted(() ->
                assertThat(gw.gateway().services().sessions().all()).extracting(s -> s.kindName()).doesNotContain("app"));
        assertThat(gw.events("app.session.end")).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo("terminated");
            assertThat(e.details().get("reason").toString()).contains("locked");
        });
        Https1.Answer after = Https1.get(mtls, port, appHost, appHost, "/", null);
        assertThat(after.status()).isEqualTo(403);
        assertThat(after.body()).contains("locked");
    }
}
