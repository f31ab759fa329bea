package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.WebApps.event;
import static dev.gatehouse.e2e.WebApps.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * Browser login through an identity provider (README "Browser login with an identity provider"):
 * a real headless Chromium, the gateway subprocess with {@code web.oidc}, and mock-oauth2-server
 * in this JVM as the provider, with its interactive login form (the user name becomes {@code sub};
 * the claims typed in are added to the ID token). The gateway names the user by
 * {@code preferred_username}, which the test sets apart from {@code sub} to show the configured
 * claim is the one used.
 */
class OidcBrowserIT extends GatewayTest {
    private MockOAuth2Server idp;
    private AppEcho echo;
    private Web web;

    @Override
    Gateway.Options options() {
        idp = new MockOAuth2Server(new OAuth2Config(true));
        idp.start(InetAddress.getLoopbackAddress(), 0);
        echo = AppEcho.start();
        return WebApps.options(Map.of("echo", echo.target()),
                "oidc:",
                "  issuer: " + idp.issuerUrl("default"),
                "  client_id: gatehouse",
                "  user_claim: preferred_username");
    }

    @BeforeAll
    void web() {
        web = Web.of(gw);
    }

    @AfterAll
    void stopProviderAndEcho() {
        if (idp != null) {
            idp.shutdown();
        }
        if (echo != null) {
            echo.close();
        }
    }

    /** Starts the OIDC login in {@code b} and signs in at the provider's form as {@code sub} with {@code preferred_username}. */
    private void signInAtProvider(Browser b, String sub, String preferredUsername) {
        b.open(web.consoleUrl("/login/oidc?next=%2F"));
        await().atMost(Browser.WAIT).until(() -> b.url().startsWith(idp.issuerUrl("default").toString()));
        b.await("input[name=username]").sendKeys(sub);
        b.driver().findElement(By.cssSelector("textarea[name=claims]"))
                .sendKeys("{\"preferred_username\": \"" + preferredUsername + "\"}");
        b.driver().findElement(By.cssSelector("input[type=submit]")).click();
    }

    /**
     * A user the policy knows logs in at the provider, lands on the console as the claim's user,
     * and opens an app through the gateway with the session that login gave them.
     */
    @Test
    void aUserLogsInAtTheProviderAndOpensAnApp() {
        String pin = Browser.spkiPin(gw.webHostname(), gw.webPort());
        try (Browser b = Browser.start(List.of(pin))) {
            signInAtProvider(b, "idp-subject-4711", "alice");
            await().atMost(Browser.WAIT).until(() -> b.url().equals(web.consoleUrl("/")));
            assertThat(b.text()).as("the console names the claim's user\n" + b.log()).contains("Logged in as alice");
            JsonNode used = gw.awaitEvent("web.login used by alice via oidc", event("web.login", "step", "used", "user", "alice"));
            assertThat(field(used, "via")).isEqualTo("oidc");

            b.open(web.appUrl("echo", Gateway.NODE, "/headers"));
            await().atMost(Browser.WAIT).until(() -> b.url().equals(web.appUrl("echo", Gateway.NODE, "/headers")));
            JsonNode headers = Json.parse(b.text());
            assertThat(headers.has("gatehouse-jwt-assertion")).as("the app received the gateway's identity assertion").isTrue();
            assertThat(headers.path("cookie").asText()).as("the gateway's cookies never reach the app")
                    .doesNotContain(WebApps.CONSOLE_COOKIE);
            gw.awaitEvent("app.session.start of alice", event("app.session.start", "user", "alice", "app", "echo", "via", "cookie"));
            gw.awaitEvent("app.request of alice", event("app.request", "user", "alice", "path", "/headers"));
        }
    }

    /** Threat: anyone the provider knows gets in, though the gateway's policy does not list them. */
    @Test
    void aProviderUserThePolicyDoesNotKnowSeesARefusalAndIsAudited() {
        String pin = Browser.spkiPin(gw.webHostname(), gw.webPort());
        try (Browser b = Browser.start(List.of(pin))) {
            signInAtProvider(b, "idp-subject-666", "mallory");
            await().atMost(Browser.WAIT).until(() -> b.url().startsWith(web.consoleUrl("/login/oidc/callback")));
            await().atMost(Browser.WAIT).until(() -> b.text().contains("Login refused"));
            assertThat(b.text()).contains("mallory");
            JsonNode refused = gw.awaitEvent("web.login refused for mallory",
                    event("web.login", "step", "refused", "user", "mallory"));
            assertThat(Json.text(refused, "outcome")).isEqualTo("denied");
            assertThat(field(refused, "reason")).isNotEmpty();
            // no session was made: the console still asks to log in
            b.open(web.consoleUrl("/"));
            await().atMost(Browser.WAIT).until(() -> b.text().contains("You are not logged in"));
        }
    }
}
