package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web front as the running gateway wires it: the TLS CA's server certificate, the policy's
 * apps, and a browser login with the link {@code web-login} printed over SSH.
 */
class WebGatewayTest {
    @TempDir
    Path dir;
    InProcessGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = InProcessGateway.start(dir, keys -> """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:9", host_key: "%s", labels: {tenant: team-a}}
                apps:
                  - {name: jupyter, nodes: {tenant: team-a}, target: "http://127.0.0.1:8888", login: aiops}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}, apps: [jupyter]}
                """.formatted(keys.get("alice"), keys.get("alice")), "alice");
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void browserLogsInWithTheWebLoginLinkAndSeesItsApps() throws Exception {
        String out = gw.exec("alice", "web-login").stdout().trim();
        String url = out.substring(out.lastIndexOf(' ') + 1);
        HttpClient browser = HttpClient.newBuilder().sslContext(gw.tlsClient(null))
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> login = browser.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(302);
        String cookie = login.headers().firstValue("set-cookie").orElseThrow();
        cookie = cookie.substring(0, cookie.indexOf(';'));
        URI home = URI.create(url).resolve("/");
        HttpResponse<String> page = browser.send(HttpRequest.newBuilder(home).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Logged in as <strong>alice</strong>")
                .contains("https://jupyter--gpu-node-1.apps.localhost:" + home.getPort() + "/");
        HttpResponse<String> reused = browser.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(reused.statusCode()).isEqualTo(400);
        assertThat(gw.events("web.login")).extracting(e -> e.details().get("step")).containsExactly("issued", "used", "refused");
        HttpResponse<String> jwks = browser.send(HttpRequest.newBuilder(home.resolve("/.well-known/jwks.json")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(jwks.body()).contains("\"kty\":\"EC\"").doesNotContain("\"d\"");
    }
}
