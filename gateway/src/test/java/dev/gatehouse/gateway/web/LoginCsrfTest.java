package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

/**
 * Login CSRF / session fixation: a hostile page must not log the victim's browser in as someone
 * else. The one-time login link is opened from a terminal (Fetch Metadata {@code Sec-Fetch-Site:
 * none}) and the app launch link is reached by redirects within the gateway's own site; a
 * navigation another site started ({@code cross-site}; for the login also {@code same-site}: app
 * hosts share the console's site) is refused, and the token it carried stays unspent.
 */
class LoginCsrfTest extends WithWebFixture {
    private String loginPath(String user) {
        String line = f.login.issue(f.identity(user));
        String url = line.substring(line.lastIndexOf(' ') + 1);
        return url.substring(url.indexOf("/login"));
    }

    /**
     * Threat: an attacker's page navigates the victim to the attacker's own fresh login link; the
     * victim's browser then holds the attacker's console session and every app it opens runs as
     * the attacker (who reads what the victim types into "their" notebook).
     */
    @Test
    void aLoginLinkOpenedByAnotherSiteOrAnAppPageIsRefusedAndStaysUnspent() {
        String path = loginPath("bob");
        for (String site : new String[] {"cross-site", "same-site"}) {
            FullHttpRequest req = WebFixture.get(path, WebFixture.HOST + ":8443");
            req.headers().set("Sec-Fetch-Site", site);
            FullHttpResponse r = f.send(WebFixture.HOST, req);
            assertThat(r.status()).as(site).isEqualTo(HttpResponseStatus.FORBIDDEN);
            assertThat(r.headers().getAll(HttpHeaderNames.SET_COOKIE)).as(site).isEmpty();
            r.release();
        }
        assertThat(f.events("web.login")).last().satisfies(e -> assertThat(e.details()).containsEntry("step", "refused"));
        FullHttpRequest fromTerminal = WebFixture.get(path, WebFixture.HOST + ":8443");
        fromTerminal.headers().set("Sec-Fetch-Site", "none");
        FullHttpResponse ok = f.send(WebFixture.HOST, fromTerminal);
        assertThat(ok.status()).as("the link still works when the user opens it").isEqualTo(HttpResponseStatus.FOUND);
        assertThat(WebFixture.cookie(ok, SessionCookies.CONSOLE)).isNotEmpty();
        ok.release();
    }

    /** Threat: the same fixation on an app host, with the attacker's app launch token. */
    @Test
    void anAppLaunchLinkOpenedByAnotherSiteIsRefusedAndStaysUnspent() {
        String console = f.consoleCookie("alice");
        FullHttpResponse launch = f.send(WebFixture.HOST, WebFixture.get("/launch?to=jupyter--gpu-node-1&path=/tree", WebFixture.HOST, console));
        String location = launch.headers().get(HttpHeaderNames.LOCATION);
        launch.release();
        String own = location.substring(location.indexOf("/.gatehouse/"));
        FullHttpRequest hostile = WebFixture.get(own, WebFixture.APP_HOST + ":8443");
        hostile.headers().set("Sec-Fetch-Site", "cross-site");
        FullHttpResponse r = f.send(WebFixture.APP_HOST, hostile);
        assertThat(r.status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(r.headers().getAll(HttpHeaderNames.SET_COOKIE)).isEmpty();
        r.release();
        assertThat(f.events("app.denied")).isNotEmpty();
        FullHttpRequest redirected = WebFixture.get(own, WebFixture.APP_HOST + ":8443");
        redirected.headers().set("Sec-Fetch-Site", "same-site");
        FullHttpResponse ok = f.send(WebFixture.APP_HOST, redirected);
        assertThat(ok.status()).isEqualTo(HttpResponseStatus.FOUND);
        assertThat(WebFixture.cookie(ok, SessionCookies.APP)).isNotEmpty();
        ok.release();
    }
}
