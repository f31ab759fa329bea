package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

/**
 * The request target (RFC 9112 section 3.2) the gate judges is the one the app receives: the
 * gateway and the app must not read two different hosts or paths out of one request.
 */
class WebRequestTargetTest extends WithWebFixture {
    /**
     * Threat: an absolute-form target ({@code GET https://APP--NODE.apps.HOST/.gatehouse/launch}),
     * which HTTP/1.1 servers must accept and HTTP/2 clients can put in {@code :path}, hides the
     * gateway's own path from the gate (which reads the path as the whole URL) and sends it to the
     * app, while the audit records {@code /.gatehouse/launch}.
     */
    @Test
    void anAbsoluteFormTargetIsJudgedByItsPath() {
        String cookie = f.appCookie("alice");
        FullHttpResponse r = f.send(WebFixture.APP_HOST, WebFixture.get(
                "https://" + WebFixture.APP_HOST + "/.gatehouse/anything", WebFixture.APP_HOST, cookie));
        assertThat(f.passed).as("the gateway's own path never reaches the app").isEmpty();
        assertThat(r).isNotNull();
        assertThat(r.status().code()).isIn(400, 404);
        r.release();
    }

    /**
     * Threat: routing disagreement. The gate judges the {@code Host} field (app A), the app (RFC
     * 9112 section 3.2.2: a server ignores {@code Host} for an absolute-form target) reads another
     * host (app B) from the target.
     */
    @Test
    void anAbsoluteFormTargetNamingAnotherHostIsRefused() {
        String cookie = f.appCookie("alice");
        FullHttpResponse r = f.send(WebFixture.APP_HOST, WebFixture.get(
                "https://other--gpu-node-1.apps." + WebFixture.HOST + "/tree", WebFixture.APP_HOST, cookie));
        assertThat(f.passed).isEmpty();
        assertThat(r.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        r.release();
    }

    /** An absolute-form target naming the request's own host goes on in origin form, the form apps expect. */
    @Test
    void anAbsoluteFormTargetForThisHostGoesOnInOriginForm() {
        String cookie = f.appCookie("alice");
        var ch = f.channel(WebFixture.APP_HOST);
        ch.writeInbound(WebFixture.get("https://" + WebFixture.APP_HOST.toUpperCase() + ":8443/tree?x=1", WebFixture.APP_HOST + ":8443", cookie));
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(f.passed).hasSize(1);
        assertThat(((HttpRequest) f.passed.get(0)).uri()).isEqualTo("/tree?x=1");
        ch.finishAndReleaseAll();
    }

    /**
     * Threat: targets that are no path on this host (authority-form {@code CONNECT host:port},
     * a bare word) reach the app, which may tunnel or resolve them its own way.
     */
    @Test
    void aTargetThatIsNoPathIsABadRequest() {
        String cookie = f.appCookie("alice");
        for (String target : new String[] {"tree", "127.0.0.1:22", "*"}) {
            var req = WebFixture.get(target, WebFixture.APP_HOST, cookie);
            if (target.contains(":")) {
                req.setMethod(HttpMethod.CONNECT);
            }
            FullHttpResponse r = f.send(WebFixture.APP_HOST, req);
            assertThat(r).as(target).isNotNull();
            assertThat(r.status()).as(target).isEqualTo(HttpResponseStatus.BAD_REQUEST);
            r.release();
        }
        assertThat(f.passed).isEmpty();
    }
}
