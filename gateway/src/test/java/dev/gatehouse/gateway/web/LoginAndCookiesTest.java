package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Lock;
import dev.gatehouse.recorder.AuditEvent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** One-time login tickets and the session cookies, on a fake clock. */
class LoginAndCookiesTest extends WithWebFixture {
    private String ticketPath(String user) {
        String line = f.login.issue(f.identity(user));
        assertThat(line).startsWith("Open within 60 s (works once): https://localhost:8443/login?ticket=");
        String url = line.substring(line.lastIndexOf(' ') + 1);
        return url.substring(url.indexOf("/login"));
    }

    @Test
    void ticketSetsAHostOnlySecureCookieAndRedirectsHome() {
        FullHttpResponse r = f.send("localhost", WebFixture.get(ticketPath("alice"), "localhost:8443"));
        assertThat(r.status()).isEqualTo(HttpResponseStatus.FOUND);
        assertThat(r.headers().get(HttpHeaderNames.LOCATION)).isEqualTo("/");
        String set = r.headers().get(HttpHeaderNames.SET_COOKIE);
        assertThat(set).startsWith("__Host-gatehouse=").contains("; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict",
                "; Max-Age=28800").doesNotContainIgnoringCase("domain");
        assertThat(r.headers().get("Referrer-Policy")).isEqualTo("no-referrer");
        r.release();
        FullHttpResponse home = f.send("localhost", WebFixture.get("/", "localhost", WebFixture.cookie(r, "__Host-gatehouse")));
        assertThat(WebFixture.body(home)).contains("Logged in as <strong>alice</strong>");
        home.release();
        assertThat(f.events("web.login")).extracting(e -> e.details().get("step")).containsExactly("issued", "used");
    }

    /** Threat: a login link seen later (shell history, screen share, proxy log) logs somebody else in. */
    @Test
    void ticketWorksOnceOnly() {
        String path = ticketPath("alice");
        f.send("localhost", WebFixture.get(path, "localhost")).release();
        FullHttpResponse again = f.send("localhost", WebFixture.get(path, "localhost"));
        assertThat(again.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        assertThat(WebFixture.body(again)).contains("already used");
        assertThat(again.headers().contains(HttpHeaderNames.SET_COOKIE)).isFalse();
        again.release();
        assertThat(f.events("web.login")).last().satisfies(e -> {
            assertThat(e.details()).containsEntry("step", "refused");
            assertThat(e.outcome()).isEqualTo("denied");
        });
    }

    @Test
    void ticketExpiresAfterItsLifetime() {
        String path = ticketPath("alice");
        f.clock.advance(Duration.ofSeconds(60));
        FullHttpResponse late = f.send("localhost", WebFixture.get(path, "localhost"));
        assertThat(late.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        assertThat(WebFixture.body(late)).contains("unknown or expired");
        late.release();
    }

    @Test
    void ticketJustBeforeExpiryStillWorks() {
        String path = ticketPath("alice");
        f.clock.advance(Duration.ofSeconds(59));
        FullHttpResponse r = f.send("localhost", WebFixture.get(path, "localhost"));
        assertThat(r.status()).isEqualTo(HttpResponseStatus.FOUND);
        r.release();
    }

    @Test
    void malformedOrGuessedTicketsAreRefusedWithoutEcho() {
        for (String t : new String[] {"", "abc", "<script>alert(1)</script>", "A".repeat(43)}) {
            FullHttpResponse r = f.send("localhost", WebFixture.get("/login?ticket=" + t, "localhost"));
            assertThat(r.status()).as(t).isEqualTo(HttpResponseStatus.BAD_REQUEST);
            assertThat(WebFixture.body(r)).doesNotContain("<script>");
            r.release();
        }
    }

    /** Threat: a user removed from the policy keeps using a browser session logged in before. */
    @Test
    void removedDisabledOrLockedUserLosesTheConsoleAtTheNextRequest() {
        String cookie = f.consoleCookie("alice");
        f.state.set(AccessState.empty().withLock(new Lock(Lock.Kind.USER, "alice", "bob", f.clock.instant(), "incident")));
        FullHttpResponse r = f.send("localhost", WebFixture.get("/", "localhost", cookie));
        assertThat(WebFixture.body(r)).contains("not logged in").doesNotContain("alice</strong>");
        r.release();
        assertThat(f.events("web.login")).last().satisfies(e -> assertThat(e.details().get("reason").toString()).contains("locked"));
    }

    /** Threat: a cookie edited in the browser (another user's name) is accepted. */
    @Test
    void tamperedCookieIsTreatedAsNoneAndAudited() {
        String cookie = f.consoleCookie("alice");
        String[] jws = cookie.substring(cookie.indexOf('=') + 1).split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(jws[1])).replace("\"alice\"", "\"bob\"");
        String forged = "__Host-gatehouse=" + jws[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes())
                + "." + jws[2];
        FullHttpResponse r = f.send("localhost", WebFixture.get("/", "localhost", forged));
        assertThat(WebFixture.body(r)).contains("not logged in").doesNotContain("bob</strong>");
        r.release();
        AuditEvent last = f.events("web.login").get(f.events("web.login").size() - 1);
        assertThat(last.details()).containsEntry("step", "refused");
        assertThat(last.details().get("reason").toString()).contains("signature");
    }

    /** Threat: an unsigned token ({@code alg: none}) is taken at its word. */
    @Test
    void unsignedCookieIsRefused() {
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes());
        String body = Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"sub\":\"alice\",\"sid\":\"x\",\"fpr\":\"y\",\"aud\":\"localhost\",\"iat\":1,\"exp\":9999999999}".getBytes());
        SessionCookies.Verdict v = f.web.cookies().verify(header + "." + body + ".", "localhost");
        assertThat(v.claims()).isEmpty();
    }

    @Test
    void cookieExpiresWithItsSessionTtl() {
        String cookie = f.consoleCookie("alice");
        f.clock.advance(Duration.ofHours(8));
        FullHttpResponse r = f.send("localhost", WebFixture.get("/", "localhost", cookie));
        assertThat(WebFixture.body(r)).contains("not logged in");
        r.release();
        assertThat(f.events("web.login")).last().satisfies(e -> assertThat(e.details().get("reason")).isEqualTo("cookie has expired"));
    }

    /** Threat: the console cookie, or one app's cookie, is replayed on another host. */
    @Test
    void cookieForAnotherHostIsRefused() {
        String console = f.consoleCookie("alice");
        String value = console.substring(console.indexOf('=') + 1);
        assertThat(f.web.cookies().verify(value, WebFixture.APP_HOST).refusal()).isEqualTo("cookie is for another host");
        String app = f.appCookie("alice");
        String appValue = app.substring(app.indexOf('=') + 1);
        assertThat(f.web.cookies().verify(appValue, "other--gpu-node-1.apps.localhost").refusal())
                .isEqualTo("cookie is for another host");
        FullHttpResponse r = f.send("other--gpu-node-1.apps.localhost",
                WebFixture.get("/", "other--gpu-node-1.apps.localhost", "__Host-gatehouse-app=" + appValue));
        assertThat(r.status()).isEqualTo(HttpResponseStatus.FOUND);
        assertThat(r.headers().get(HttpHeaderNames.LOCATION)).startsWith("https://localhost:8443/launch?");
        r.release();
        assertThat(f.events("app.denied")).last().satisfies(e -> assertThat(e.details()).containsEntry("reason", "cookie is for another host"));
    }

    /**
     * Threat: another site starts a state-changing navigation to the console; the console cookie is
     * Strict so no cross-site request carries it. App cookies stay Lax so links to apps from chat or
     * wikis work on the first request.
     */
    @Test
    void consoleCookieIsStrictAndAppCookieLax() {
        java.time.Instant now = java.time.Instant.parse("2026-11-30T00:00:00Z");
        assertThat(SessionCookies.setCookie(SessionCookies.CONSOLE, "v", now.plusSeconds(60), now)).endsWith("; SameSite=Strict");
        assertThat(SessionCookies.clearCookie(SessionCookies.CONSOLE)).endsWith("; SameSite=Strict");
        assertThat(SessionCookies.setCookie(SessionCookies.APP, "v", now.plusSeconds(60), now)).endsWith("; SameSite=Lax");
    }
}
