package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Lock;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The launch hand-over from console to app host, and the app gate's per-request decisions. */
class LaunchAndGateTest extends WithWebFixture {
    private FullHttpResponse launch(String query, String cookie) {
        return f.send("localhost", WebFixture.get("/launch?" + query, "localhost", cookie));
    }

    @Test
    void launchRedirectsToTheAppHostWithAOneTimeTokenThenToThePath() {
        String console = f.consoleCookie("alice");
        FullHttpResponse r = launch("to=jupyter--gpu-node-1&path=%2Ftree%3Fa%3D1", console);
        assertThat(r.status()).isEqualTo(HttpResponseStatus.FOUND);
        String location = r.headers().get(HttpHeaderNames.LOCATION);
        r.release();
        assertThat(location).matches("https://jupyter--gpu-node-1\\.apps\\.localhost:8443/\\.gatehouse/launch\\?token=[A-Za-z0-9_-]{43}"
                + "&path=%2Ftree%3Fa%3D1");
        String own = location.substring(location.indexOf("/.gatehouse/"));
        FullHttpResponse set = f.send(WebFixture.APP_HOST, WebFixture.get(own, WebFixture.APP_HOST));
        assertThat(set.status()).isEqualTo(HttpResponseStatus.FOUND);
        assertThat(set.headers().get(HttpHeaderNames.LOCATION)).isEqualTo("/tree?a=1");
        assertThat(set.headers().get(HttpHeaderNames.SET_COOKIE)).startsWith("__Host-gatehouse-app=").contains("Secure", "HttpOnly",
                "Path=/").doesNotContainIgnoringCase("domain=");
        set.release();
        // the token works once
        FullHttpResponse again = f.send(WebFixture.APP_HOST, WebFixture.get(own, WebFixture.APP_HOST));
        assertThat(again.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        again.release();
    }

    /** Threat: the launch flow used as an open redirect to another site (phishing with the gateway's name). */
    @Test
    void launchPathMustStayOnTheAppHost() {
        String console = f.consoleCookie("alice");
        for (String path : new String[] {"%2F%2Fevil.example", "https%3A%2F%2Fevil.example", "%2F%5Cevil.example", "evil",
                "%2Fa%0D%0ALocation%3A%20x", "%2Fa%23frag"}) {
            FullHttpResponse r = launch("to=jupyter--gpu-node-1&path=" + path, console);
            assertThat(r.status()).as(path).isEqualTo(HttpResponseStatus.BAD_REQUEST);
            assertThat(r.headers().contains(HttpHeaderNames.LOCATION)).isFalse();
            r.release();
            FullHttpResponse own = f.send(WebFixture.APP_HOST, WebFixture.get("/.gatehouse/launch?token=x&path=" + path,
                    WebFixture.APP_HOST));
            assertThat(own.status()).as(path).isEqualTo(HttpResponseStatus.BAD_REQUEST);
            assertThat(own.headers().contains(HttpHeaderNames.LOCATION)).isFalse();
            own.release();
        }
    }

    /** Threat: {@code to} names a host outside the gateway's apps, turning launch into an open redirect. */
    @Test
    void launchTargetMustBeAnAppHost() {
        String console = f.consoleCookie("alice");
        for (String to : new String[] {"evil.example", "jupyter", "jupyter--gpu-node-1.apps.localhost", "a--b%2F@evil.example"}) {
            FullHttpResponse r = launch("to=" + to + "&path=%2F", console);
            assertThat(r.status()).as(to).isEqualTo(HttpResponseStatus.BAD_REQUEST);
            r.release();
        }
    }

    /** Threat: a launch token minted for one app is redeemed on another app's host. */
    @Test
    void launchTokenIsBoundToItsAppHost() {
        String console = f.consoleCookie("alice");
        FullHttpResponse r = launch("to=jupyter--gpu-node-1", console);
        String location = r.headers().get(HttpHeaderNames.LOCATION);
        r.release();
        String own = location.substring(location.indexOf("/.gatehouse/"));
        String other = "other--gpu-node-1.apps.localhost";
        FullHttpResponse elsewhere = f.send(other, WebFixture.get(own, other));
        assertThat(elsewhere.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        assertThat(elsewhere.headers().contains(HttpHeaderNames.SET_COOKIE)).isFalse();
        elsewhere.release();
        assertThat(f.events("app.denied")).last().satisfies(e -> assertThat(e.details().get("reason").toString()).contains("another app host"));
    }

    @Test
    void launchWithoutConsoleSessionAsksToLogIn() {
        io.netty.handler.codec.http.FullHttpRequest req = WebFixture.get("/launch?to=jupyter--gpu-node-1&path=%2F", "localhost");
        req.headers().set("Sec-Fetch-Site", "same-origin");
        FullHttpResponse r = f.send("localhost", req);
        assertThat(r.status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        assertThat(WebFixture.body(r)).contains("web-login");
        r.release();
    }

    /**
     * The console cookie is SameSite=Strict, so a browser withholds it when an app host on another
     * site (or any other site) started the navigation to /launch: the console navigates once more
     * from its own origin, where the cookie is sent, instead of asking a logged-in user to log in.
     */
    @Test
    void launchReachedFromAnotherSiteWithoutTheCookieRenavigatesFromTheConsoleOnce() {
        for (String site : new String[] {"cross-site", "same-site", "none", null}) {
            io.netty.handler.codec.http.FullHttpRequest req = WebFixture.get(
                    "/launch?to=jupyter--gpu-node-1&path=%2Ftree%3Fa%3D1%26b%3D%22%3E", "localhost");
            if (site != null) {
                req.headers().set("Sec-Fetch-Site", site);
            }
            FullHttpResponse r = f.send("localhost", req);
            assertThat(r.status()).as(String.valueOf(site)).isEqualTo(HttpResponseStatus.OK);
            assertThat(WebFixture.body(r)).contains(
                    "<meta http-equiv=\"refresh\" content=\"0; url=/launch?to=jupyter--gpu-node-1&amp;path=%2Ftree%3Fa%3D1%26b%3D%22%3E\">")
                    .doesNotContain("<script");
            assertThat(r.headers().get("Content-Security-Policy")).contains("default-src 'none'");
            assertThat(r.headers().get(HttpHeaderNames.SET_COOKIE)).isNull();
            r.release();
        }
        assertThat(f.events("app.denied")).isEmpty();
    }

    @Test
    void launchTokenExpires() {
        String console = f.consoleCookie("alice");
        FullHttpResponse r = launch("to=jupyter--gpu-node-1", console);
        String own = r.headers().get(HttpHeaderNames.LOCATION);
        r.release();
        f.clock.advance(Duration.ofSeconds(61));
        FullHttpResponse late = f.send(WebFixture.APP_HOST, WebFixture.get(own.substring(own.indexOf("/.gatehouse/")), WebFixture.APP_HOST));
        assertThat(late.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        late.release();
    }

    @Test
    void deniedAppIsA403WithTheReasonAndAnEvent() {
        String console = f.consoleCookie("bob");
        FullHttpResponse r = launch("to=jupyter--gpu-node-1", console);
        assertThat(r.status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(WebFixture.body(r)).contains("jupyter");
        r.release();
        assertThat(f.events("app.denied")).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo("denied");
            // the node in the event's own column, as every other event (and app-cert's denials) keep it
            assertThat(e.node()).isEqualTo("gpu-node-1");
            assertThat(e.details()).containsEntry("app", "jupyter").doesNotContainKey("node");
        });
    }

    /** Threat: access removed in policy (or a lock) still lets an open browser tab use the app. */
    @Test
    void policyIsCheckedOnEveryAppRequest() {
        String cookie = f.appCookie("alice");
        FullHttpResponse first = f.send(WebFixture.APP_HOST, WebFixture.get("/tree", WebFixture.APP_HOST, cookie));
        assertThat(first).isNull();
        f.engineerApps("[other]");
        FullHttpResponse second = f.send(WebFixture.APP_HOST, WebFixture.get("/tree", WebFixture.APP_HOST, cookie));
        assertThat(second.status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        second.release();
        assertThat(f.passed).hasSize(1);
    }

    /** Threat: a lock leaves a running app session (an open WebSocket) going. */
    @Test
    void registryJudgementEndsTheAppSessionAndClosesItsChannels() {
        String cookie = f.appCookie("alice");
        EmbeddedChannel ch = f.channel(WebFixture.APP_HOST);
        ch.writeInbound(WebFixture.get("/api/kernels/1/channels", WebFixture.APP_HOST, cookie));
        LiveSession live = f.registry.all().get(0);
        f.state.set(AccessState.empty().withLock(new Lock(Lock.Kind.NODE, "gpu-node-1", "bob", f.clock.instant(), null)));
        var d = live.judge(f.holder.current().evaluator(), f.state.get(), f.clock.instant());
        assertThat(d.allowed()).isFalse();
        live.terminate("your access was removed: " + d.reason());
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(f.registry.all()).isEmpty();
        assertThat(f.events("app.session.end")).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo("terminated");
            assertThat(e.details().get("reason").toString()).contains("locked");
        });
    }

    @Test
    void oneAppSessionPerBrowserSessionAndHost() {
        String cookie = f.appCookie("alice");
        for (int i = 0; i < 3; i++) {
            assertThat(f.send(WebFixture.APP_HOST, WebFixture.get("/x" + i, WebFixture.APP_HOST, cookie))).isNull();
        }
        assertThat(f.registry.all()).hasSize(1);
        assertThat(f.events("app.session.start")).hasSize(1);
    }

    @Test
    void idleAppSessionEndsWithItsCounters() {
        String cookie = f.appCookie("alice");
        EmbeddedChannel ch = f.channel(WebFixture.APP_HOST);
        ch.writeInbound(WebFixture.get("/x", WebFixture.APP_HOST, cookie));
        AppSession s = (AppSession) ch.attr(AppSessionContext.ATTR).get();
        s.count(1, 10, 2000);
        ch.close();
        f.clock.advance(AppSessions.IDLE);
        assertThat(f.web.sessions().sweep()).isEqualTo(1);
        assertThat(f.events("app.session.end")).singleElement().satisfies(e -> assertThat(e.details())
                .containsEntry("requests", "1").containsEntry("bytes_in", "10").containsEntry("bytes_out", "2000"));
    }

    /**
     * A browser keeps its connection open for minutes after the last request: that alone must not
     * keep the app session listed as live (and its tunnel up) once nothing is being done.
     */
    @Test
    void anIdleKeepAliveConnectionDoesNotKeepTheAppSessionLive() {
        String cookie = f.appCookie("alice");
        EmbeddedChannel ch = f.channel(WebFixture.APP_HOST);
        ch.writeInbound(WebFixture.get("/x", WebFixture.APP_HOST, cookie));
        assertThat(ch.isOpen()).isTrue();
        f.clock.advance(AppSessions.IDLE.minusSeconds(1));
        assertThat(f.web.sessions().sweep()).isZero();
        f.clock.advance(java.time.Duration.ofSeconds(1));
        assertThat(f.web.sessions().sweep()).isEqualTo(1);
        assertThat(f.registry.all()).isEmpty();
        assertThat(f.events("app.session.end")).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo("success");
            assertThat(e.details()).containsEntry("reason", "idle");
        });
        assertThat(ch.isOpen()).as("the ended session's connections close").isFalse();
    }

    /** A request being answered or a WebSocket open keeps the session live however long it is quiet; idle time counts from its end. */
    @Test
    void workInFlightKeepsTheAppSessionLiveUntilItEnds() {
        String cookie = f.appCookie("alice");
        EmbeddedChannel ch = f.channel(WebFixture.APP_HOST);
        ch.writeInbound(WebFixture.get("/stream", WebFixture.APP_HOST, cookie));
        AppSession s = (AppSession) ch.attr(AppSessionContext.ATTR).get();
        Object stream = new Object();
        s.busy(stream, ch);
        f.clock.advance(AppSessions.IDLE.multipliedBy(10));
        assertThat(f.web.sessions().sweep()).isZero();
        s.done(stream);
        f.clock.advance(AppSessions.IDLE.minusSeconds(1));
        assertThat(f.web.sessions().sweep()).as("idle counts from the end of the work").isZero();

        Object webSocket = new Object();
        s.busy(webSocket, ch);
        f.clock.advance(AppSessions.IDLE.multipliedBy(10));
        assertThat(f.web.sessions().sweep()).isZero();
        ch.close(); // the WebSocket ends with its connection
        ch.runPendingTasks();
        assertThat(s.inFlight()).isZero();
        f.clock.advance(AppSessions.IDLE);
        assertThat(f.web.sessions().sweep()).isEqualTo(1);
    }

    /** A client certificate for this app host identifies its holder without a cookie; one for another app does not. */
    @Test
    void clientCertificateForThisAppHostIdentifies() throws Exception {
        java.security.cert.X509Certificate leaf = new TestTls("localhost").server;
        f.certificates = c -> Optional.of(new ClientCertificate("alice", "jupyter--gpu-node-1", "0a1b",
                f.clock.instant().plusSeconds(3600), null));
        WebRequest r = new WebRequest(WebFixture.get("/v1/models", WebFixture.APP_HOST), "192.0.2.7:1", leaf);
        r.request().setMethod(io.netty.handler.codec.http.HttpMethod.POST);
        AppGate gate = new AppGate(f.web);
        AppGate.Verdict v = gate.judge(r, (HostRoute.App) HostRoute.of(WebFixture.APP_HOST, "localhost"), io.netty.buffer.ByteBufAllocator.DEFAULT);
        assertThat(v.session()).isNotNull();
        assertThat(f.events("app.session.start")).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("via", "client_cert"));
        f.certificates = c -> Optional.of(new ClientCertificate("alice", "other--gpu-node-1", "0a1c",
                f.clock.instant().plusSeconds(3600), null));
        AppGate.Verdict other = gate.judge(r, (HostRoute.App) HostRoute.of(WebFixture.APP_HOST, "localhost"), io.netty.buffer.ByteBufAllocator.DEFAULT);
        assertThat(other.answer().status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(WebFixture.body(other.answer())).contains("client certificate is for other--gpu-node-1, not this app");
        other.answer().release();
        // expired: refused with the reason too, never taken as identity
        f.certificates = c -> Optional.of(new ClientCertificate("alice", "jupyter--gpu-node-1", "0a1d",
                f.clock.instant().minusSeconds(1), null));
        AppGate.Verdict expired = gate.judge(r, (HostRoute.App) HostRoute.of(WebFixture.APP_HOST, "localhost"), io.netty.buffer.ByteBufAllocator.DEFAULT);
        assertThat(expired.answer().status()).isEqualTo(HttpResponseStatus.FORBIDDEN);
        assertThat(WebFixture.body(expired.answer())).contains("the client certificate expired");
        expired.answer().release();
    }
}
