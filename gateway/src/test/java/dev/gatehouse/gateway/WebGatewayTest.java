package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.web.console.ApiResponse;
import dev.gatehouse.gateway.web.console.ClasspathUi;
import dev.gatehouse.gateway.web.console.ConsoleHeaders;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
        // the console's overview page (its data comes from the API below)
        HttpResponse<String> page = browser.send(HttpRequest.newBuilder(home).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString());
        ApiResponse.Body overview = new ClasspathUi().get("/").orElseThrow();
        assertThat(page.statusCode()).isEqualTo(overview.status());
        assertThat(page.body()).isEqualTo(new String(overview.bytes(), StandardCharsets.UTF_8));
        HttpResponse<String> whoami = browser.send(HttpRequest.newBuilder(home.resolve("/api/v1/whoami")).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(whoami.body()).contains("\"user\":\"alice\"");
        HttpResponse<String> apps = browser.send(HttpRequest.newBuilder(home.resolve("/api/v1/apps")).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(apps.statusCode()).as(apps.body()).isEqualTo(200);
        assertThat(apps.body()).contains("\"url\":\"https://jupyter--gpu-node-1.apps.localhost:" + home.getPort() + "/\"")
                .contains("\"app\":\"jupyter\"").contains("\"node\":\"gpu-node-1\"");
        HttpResponse<String> reused = browser.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(reused.statusCode()).isEqualTo(400);
        assertThat(gw.events("web.login")).extracting(e -> e.details().get("step")).containsExactly("issued", "used", "refused");
        HttpResponse<String> jwks = browser.send(HttpRequest.newBuilder(home.resolve("/.well-known/jwks.json")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(jwks.body()).contains("\"kty\":\"EC\"").doesNotContain("\"d\"");
    }

    /**
     * The console's pages and assets reach the wire with ClasspathUi's own headers over the
     * front's defaults: the ETag (and a 304 for a matching If-None-Match, RFC 9110 section 13.1.2),
     * Cache-Control, and on the session page the CSP that lets the terminal player compile its
     * WebAssembly; every other page keeps the strict default CSP.
     */
    @Test
    void consolePagesCarryTheirOwnHeaders() throws Exception {
        ClasspathUi ui = new ClasspathUi();
        HttpClient browser = HttpClient.newBuilder().sslContext(gw.tlsClient(null))
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
        String out = gw.exec("alice", "web-login").stdout().trim();
        URI console = URI.create(out.substring(out.lastIndexOf(' ') + 1)).resolve("/");
        for (String path : new String[] {"/requests", "/sessions/s-1", "/assets/js/console.js", "/assets/console.css"}) {
            var expected = ui.resource(path, null);
            HttpResponse<String> got = browser.send(HttpRequest.newBuilder(console.resolve(path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (expected.isEmpty()) {
                assertThat(got.statusCode()).as(path + " is not in this build").isEqualTo(404);
                continue;
            }
            assertThat(got.statusCode()).as(path).isEqualTo(expected.get().body().status());
            assertThat(got.headers().firstValue("content-type")).as(path).hasValue(expected.get().body().contentType());
            expected.get().headers().forEach((k, v) -> assertThat(got.headers().firstValue(k)).as(path + " " + k).hasValue(v));
            if (!expected.get().headers().containsKey("Content-Security-Policy")) {
                assertThat(got.headers().firstValue("content-security-policy")).as(path).hasValue(ConsoleHeaders.CSP);
            }
            String etag = expected.get().headers().get("ETag");
            if (etag != null) {
                HttpResponse<String> again = browser.send(HttpRequest.newBuilder(console.resolve(path)).header("If-None-Match", etag).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(again.statusCode()).as(path + " revalidated").isEqualTo(304);
                assertThat(again.body()).isEmpty();
            }
        }
        if (ui.bundled()) {
            assertThat(ui.resource("/sessions/s-1", null).orElseThrow().headers().get("Content-Security-Policy"))
                    .contains("'wasm-unsafe-eval'");
        }
    }
}
