package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.WebApps.event;
import static dev.gatehouse.e2e.WebApps.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Browser login to the HTTPS side: {@code ssh GATEWAY web-login} prints a one-time URL (single
 * use, {@code web.login_ticket_ttl}) that sets the console cookie {@code __Host-gatehouse}; the
 * app host sends a browser without its own cookie through the console's {@code /launch}, which
 * hands a one-time token to the app host in exchange for {@code __Host-gatehouse-app}.
 */
class WebLoginIT extends GatewayTest {
    private AppEcho echo;
    private Web web;

    @Override
    Gateway.Options options() {
        echo = AppEcho.start();
        return WebApps.options(Map.of("echo", echo.target(), "vault", echo.target()));
    }

    @BeforeAll
    void web() {
        web = Web.of(gw);
    }

    @AfterAll
    void stopEcho() {
        if (echo != null) {
            echo.close();
        }
    }

    /** A person who ran web-login lands on the console, logged in as themselves, in a real browser. */
    @Test
    void webLoginUrlLogsTheBrowserIn() {
        String pin = Browser.spkiPin(gw.webHostname(), gw.webPort());
        try (Browser b = Browser.start(List.of(pin))) {
            String url = Web.webLogin(gw, gw.alice());
            b.open(url);
            await().atMost(Duration.ofSeconds(20)).until(() -> b.url().equals(web.consoleUrl("/")));
            // the console's overview names the user once its script has asked the API who this is
            await().atMost(Duration.ofSeconds(20)).until(() -> b.text().contains("Logged in as alice"));
            JsonNode used = gw.awaitEvent("web.login used by alice", event("web.login", "step", "used", "user", "alice"));
            assertThat(Json.text(used, "outcome")).isEqualTo("success");
        }
    }

    /** The session cookie cannot be read by scripts, sent over http or scoped to other hosts (RFC 6265bis §4.1.3.2). */
    @Test
    void consoleCookieIsHostOnlySecureHttpOnly() {
        Web.Response r = web.request(Web.webLogin(gw, gw.alice()));
        assertThat(r.status()).as(r.describe()).isEqualTo(302);
        assertThat(r.header("location")).isIn("/", web.consoleUrl("/"));
        String line = WebApps.setCookieLine(r, WebApps.CONSOLE_COOKIE).toLowerCase(java.util.Locale.ROOT);
        assertThat(line).contains("; secure").contains("; httponly").contains("path=/").contains("samesite=")
                .doesNotContain("domain=");
        gw.awaitEvent("web.login issued for alice", event("web.login", "step", "issued", "user", "alice"));
    }

    /** Threat: a login URL seen by someone else (shoulder, history, proxy log) works a second time. */
    @Test
    void aUsedLoginUrlIsRefusedTheSecondTime() {
        String url = Web.webLogin(gw, gw.alice());
        assertThat(web.request(url).status()).isEqualTo(302);
        Web.Response again = web.request(url);
        assertThat(again.status()).as(again.describe()).isEqualTo(400);
        assertThat(again.headers("set-cookie")).as("no cookie for a refused ticket").isEmpty();
        JsonNode refused = gw.awaitEvent("web.login refused", event("web.login", "step", "refused"));
        assertThat(field(refused, "reason")).isNotEmpty();
        assertThat(field(refused, "source")).isNotEmpty();
    }

    /** Threat: a forged or edited session cookie gets the holder into an app (the launch is the gate). */
    @Test
    void aTamperedConsoleCookieLaunchesNothing() {
        String cookie = WebApps.consoleCookie(gw, web, gw.alice());
        // control: the genuine cookie launches the app
        WebApps.appCookie(web, cookie, "echo", Gateway.NODE, "/headers");
        String value = cookie.substring(cookie.indexOf('=') + 1);
        char last = value.charAt(value.length() - 1);
        String tampered = WebApps.CONSOLE_COOKIE + "=" + value.substring(0, value.length() - 1) + (last == 'A' ? 'B' : 'A');
        Web.Response r = web.request(web.consoleUrl("/launch?to=echo--" + Gateway.NODE + "&path=%2Fheaders"),
                "-H", "Cookie: " + tampered);
        assertThat(r.header("location")).as("no launch token for a tampered cookie\n" + r.describe())
                .doesNotContain("/.gatehouse/launch");
        assertThat(r.status()).as(r.describe()).isNotEqualTo(200);
    }

    /** The app host sends a browser without an app cookie through the console's /launch, keeping the path. */
    @Test
    void appHostWithoutCookieGoesThroughLaunchAndThenProxies() {
        Web.Response first = web.request(web.appUrl("echo", Gateway.NODE, "/headers?x=1"));
        assertThat(first.status()).as(first.describe()).isEqualTo(302);
        String to = first.header("location");
        assertThat(to).startsWith(web.consoleUrl("/launch?"));
        assertThat(WebApps.queryParam(to, "to")).isEqualTo("echo--" + Gateway.NODE);
        assertThat(WebApps.queryParam(to, "path")).startsWith("/headers");

        String appCookie = WebApps.appCookie(web, WebApps.consoleCookie(gw, web, gw.alice()), "echo", Gateway.NODE, "/headers");
        Web.Response proxied = web.request(web.appUrl("echo", Gateway.NODE, "/headers"), "-H", "Cookie: " + appCookie);
        assertThat(proxied.status()).as(proxied.describe()).isEqualTo(200);
        assertThat(Json.parse(proxied.body()).has("gatehouse-jwt-assertion")).isTrue();
        gw.awaitEvent("app.session.start by cookie", event("app.session.start", "user", "alice", "app", "echo", "via", "cookie"));
    }

    /** Threat: a downgrade to TLS 1.2 (and its weaker suites) when the operator did not allow it ({@code web.tls12} off by default). */
    @Test
    void onlyTls13IsSpokenByDefault() {
        Web.Response tls13 = web.request(web.consoleUrl("/"), "--tlsv1.3");
        assertThat(tls13.status()).as(tls13.describe()).isEqualTo(200);
        Web.Response tls12 = web.request(web.consoleUrl("/"), "--tlsv1.2", "--tls-max", "1.2");
        assertThat(tls12.status()).as("no HTTP answer over TLS 1.2\n" + tls12.describe()).isZero();
        assertThat(tls12.curl().exit()).as(tls12.describe()).isNotZero();
    }

    /** Threat: an old login URL (found later in a history or log) still works after its time. */
    @Test
    void anExpiredLoginUrlIsRefused() {
        try (Gateway shortLived = Gateway.start(node, WebApps.options(Map.of("echo", echo.target()), "login_ticket_ttl: 2s"))) {
            Web w = Web.of(shortLived);
            String url = Web.webLogin(shortLived, shortLived.alice());
            long issued = System.nanoTime();
            await().pollInterval(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10))
                    .until(() -> System.nanoTime() - issued > Duration.ofMillis(2500).toNanos());
            Web.Response r = w.request(url);
            assertThat(r.status()).as(r.describe()).isEqualTo(400);
            assertThat(r.headers("set-cookie")).isEmpty();
            JsonNode refused = shortLived.awaitEvent("web.login refused (expired)", event("web.login", "step", "refused"));
            assertThat(field(refused, "reason")).isNotEmpty();
        }
    }
}
