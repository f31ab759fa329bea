package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.web.oidc.OidcConfig;
import dev.gatehouse.gateway.web.oidc.OidcLogin;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's OpenID Connect routes on the real TLS listener against a real provider in this JVM
 * (mock-oauth2-server): {@code /login/oidc} sends the browser to the provider, the callback starts
 * a console session for the user the ID token names, if the policy lists them.
 */
class WebOidcTest {
    @TempDir
    Path dir;
    WebFixture f;
    MockOAuth2Server idp;
    ExecutorService executor;
    WebFront front;
    int port;
    HttpClient browser;

    @BeforeEach
    void setUp() throws Exception {
        f = new WebFixture(dir);
        f.clock.set(Instant.now()); // ID tokens carry the provider's real time
        idp = new MockOAuth2Server(new OAuth2Config());
        idp.start(InetAddress.getLoopbackAddress(), 0);
        executor = Executors.newFixedThreadPool(2);
        TestTls tls = new TestTls("localhost");
        OidcConfig oidc = new OidcConfig(URI.create(idp.issuerUrl("default").toString()), "gatehouse", Optional.empty(),
                "preferred_username", OidcConfig.DEFAULT_SCOPES, Optional.empty());
        GatewayConfig.Web d = GatewayConfig.Web.defaults();
        GatewayConfig.Web config = new GatewayConfig.Web(true, new InetSocketAddress("127.0.0.1", 0), "localhost",
                d.tlsCert(), d.tlsKey(), false, d.sessionTtl(), d.loginTicketTtl(), d.appCertTtl(), Optional.of(oidc));
        front = new WebFront(new WebFront.Parts(config, tls.serverContext(), f.site, f.login, new PolicyApps(f.holder), f.holder,
                f.state::get, f.audit, f.registry, f.clock, s -> new AssertionSigner(TestTls.ec(), s.consoleOrigin(), f.clock),
                ClientCertificate.Reader.none(), new byte[32], ChannelInboundHandlerAdapter::new, 1,
                s -> Optional.of(new OidcLogin(oidc, oidc.redirectUri(s.hostname(), s.port()), Optional.empty(), executor, f.clock))));
        port = front.start().getPort();
        browser = HttpClient.newBuilder().sslContext(tls.clientContext()).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    void tearDown() {
        front.close();
        idp.shutdown();
        executor.shutdownNow();
        f.close();
    }

    private HttpResponse<String> get(URI uri, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return browser.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cookie(HttpResponse<String> r, String name) {
        return r.headers().allValues("set-cookie").stream().filter(c -> c.startsWith(name + "="))
                .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElseThrow(() -> new AssertionError("no " + name));
    }

    /** The browser's round trip: our start, the provider's authorization redirect back, our callback. */
    private HttpResponse<String> loginAs(String user) throws Exception {
        idp.enqueueCallback(new DefaultOAuth2TokenCallback("default", "sub-" + user, "JWT", null,
                Map.of("preferred_username", user), 3600));
        HttpResponse<String> start = get(URI.create("https://localhost:" + port + "/login/oidc?next=%2F"), null);
        assertThat(start.statusCode()).as(start.body()).isEqualTo(302);
        String state = cookie(start, OidcLogin.STATE_COOKIE);
        HttpResponse<String> provider = get(URI.create(start.headers().firstValue("location").orElseThrow()), null);
        assertThat(provider.statusCode()).isEqualTo(302);
        URI callback = URI.create(provider.headers().firstValue("location").orElseThrow());
        assertThat(callback.getPath()).isEqualTo(OidcConfig.CALLBACK_PATH);
        return get(callback, state);
    }

    @Test
    void providerLoginStartsAConsoleSession() throws Exception {
        HttpResponse<String> done = loginAs("alice");
        assertThat(done.statusCode()).as(done.body()).isEqualTo(302);
        assertThat(done.headers().firstValue("location")).contains("/");
        String console = cookie(done, SessionCookies.CONSOLE);
        HttpResponse<String> home = get(URI.create("https://localhost:" + port + "/"), console);
        assertThat(home.body()).contains("Logged in as <strong>alice</strong>");
        assertThat(f.events("web.login")).last().satisfies(e -> assertThat(e.details())
                .containsEntry("step", "used").containsEntry("via", "oidc"));
    }

    /** Threat: anybody with an account at the provider becomes a gateway user. */
    @Test
    void providerUserNotInThePolicyIsRefused() throws Exception {
        HttpResponse<String> done = loginAs("mallory");
        assertThat(done.statusCode()).isEqualTo(403);
        assertThat(done.headers().allValues("set-cookie")).noneMatch(c -> c.startsWith(SessionCookies.CONSOLE + "="));
        assertThat(f.events("web.login")).last().satisfies(e -> {
            assertThat(e.details()).containsEntry("step", "refused");
            assertThat(e.details().get("reason").toString()).contains("mallory");
        });
    }
}
