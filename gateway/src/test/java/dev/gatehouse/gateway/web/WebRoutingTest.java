package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

/** Which host a request addresses decides what answers it: console, app gate, or a 404 page. */
class WebRoutingTest extends WithWebFixture {
    @Test
    void consoleHostWithOrWithoutPortServesTheConsole() {
        for (String host : new String[] {"localhost", "localhost:8443", "LOCALHOST:8443"}) {
            FullHttpResponse r = f.send("localhost", WebFixture.get("/", host));
            assertThat(r.status()).as(host).isEqualTo(HttpResponseStatus.OK);
            assertThat(WebFixture.body(r)).contains("web-login");
            r.release();
        }
    }

    /** Threat: a name we do not serve is sent to some default upstream (or reflects script into the page). */
    @Test
    void unknownHostGetsAnEscaped404Page() {
        FullHttpResponse r = f.send(null, WebFixture.get("/", "evil.example:8443"));
        assertThat(r.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        assertThat(WebFixture.body(r)).contains("evil.example");
        r.release();
        FullHttpResponse x = f.send(null, WebFixture.get("/", "a<script>.localhost"));
        assertThat(x.status()).isIn(HttpResponseStatus.NOT_FOUND, HttpResponseStatus.BAD_REQUEST);
        assertThat(WebFixture.body(x)).doesNotContain("<script>");
        x.release();
        assertThat(f.passed).isEmpty();
    }

    @Test
    void appsHostWithoutAppAndNodeIsUnknown() {
        for (String host : new String[] {"apps.localhost", "jupyter.apps.localhost", "--n.apps.localhost", "a--.apps.localhost",
                "x.jupyter--gpu-node-1.apps.localhost"}) {
            FullHttpResponse r = f.send(null, WebFixture.get("/", host));
            assertThat(r.status()).as(host).isEqualTo(HttpResponseStatus.NOT_FOUND);
            r.release();
        }
    }

    /** Threat: a connection (and its client certificate) set up for one host is reused for another (HTTP/2 coalescing). */
    @Test
    void hostThatDisagreesWithSniIsMisdirected() {
        FullHttpResponse r = f.send(WebFixture.APP_HOST, WebFixture.get("/", "localhost:8443"));
        assertThat(r.status()).isEqualTo(HttpResponseStatus.MISDIRECTED_REQUEST);
        r.release();
        FullHttpResponse other = f.send("localhost", WebFixture.get("/", "other--gpu-node-1.apps.localhost"));
        assertThat(other.status()).isEqualTo(HttpResponseStatus.MISDIRECTED_REQUEST);
        other.release();
        assertThat(f.passed).isEmpty();
    }

    @Test
    void missingOrDoubledOrMalformedHostIsABadRequest() {
        FullHttpResponse none = f.send(null, WebFixture.get("/", null));
        assertThat(none.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        none.release();
        FullHttpRequest twice = WebFixture.get("/", "localhost");
        twice.headers().add(HttpHeaderNames.HOST, "jupyter--gpu-node-1.apps.localhost");
        FullHttpResponse doubled = f.send(null, twice);
        assertThat(doubled.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        doubled.release();
        FullHttpResponse port = f.send(null, WebFixture.get("/", "localhost:84x3"));
        assertThat(port.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        port.release();
    }

    @Test
    void appHostWithoutCredentialsRedirectsBrowsersToLaunchAndRefusesOthers() {
        FullHttpResponse r = f.send(WebFixture.APP_HOST, WebFixture.get("/tree?x=1", WebFixture.APP_HOST));
        assertThat(r.status()).isEqualTo(HttpResponseStatus.FOUND);
        assertThat(r.headers().get(HttpHeaderNames.LOCATION))
                .isEqualTo("https://localhost:8443/launch?to=jupyter--gpu-node-1&path=%2Ftree%3Fx%3D1");
        r.release();
        FullHttpRequest post = WebFixture.get("/api/kernels", WebFixture.APP_HOST);
        post.setMethod(io.netty.handler.codec.http.HttpMethod.POST);
        FullHttpResponse p = f.send(WebFixture.APP_HOST, post);
        assertThat(p.status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        p.release();
        assertThat(f.passed).isEmpty();
    }

    @Test
    void allowedAppRequestPassesOnWithItsSessionAndWithoutGatewayCredentials() {
        String cookie = f.appCookie("alice");
        FullHttpRequest req = WebFixture.get("/tree", WebFixture.APP_HOST, cookie, "_xsrf=abc");
        req.headers().add(AppGate.ASSERTION_HEADER, "forged");
        var ch = f.channel(WebFixture.APP_HOST);
        ch.writeInbound(req);
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(f.passed).hasSize(1);
        HttpRequest passed = (HttpRequest) f.passed.get(0);
        assertThat(passed.headers().get(HttpHeaderNames.COOKIE)).isEqualTo("_xsrf=abc");
        assertThat(passed.headers().contains(AppGate.ASSERTION_HEADER)).isFalse();
        AppSessionContext s = ch.attr(AppSessionContext.ATTR).get();
        assertThat(s.identity().user()).isEqualTo("alice");
        assertThat(s.route().app()).isEqualTo("jupyter");
        assertThat(f.registry.all()).extracting(x -> x.kindName()).containsExactly("app");
        assertThat(f.events("app.session.start")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("via", "cookie").containsEntry("app", "jupyter"));
        ch.finishAndReleaseAll();
    }

    @Test
    void gatewayPathsOnAppHostsAreNeverProxied() {
        String cookie = f.appCookie("alice");
        FullHttpResponse r = f.send(WebFixture.APP_HOST, WebFixture.get("/.gatehouse/anything", WebFixture.APP_HOST, cookie));
        assertThat(r.status()).isEqualTo(HttpResponseStatus.NOT_FOUND);
        r.release();
        assertThat(f.passed).isEmpty();
    }
}
