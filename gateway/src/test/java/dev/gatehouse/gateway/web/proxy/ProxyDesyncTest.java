package dev.gatehouse.gateway.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Request framing between the client and the app's HTTP/1.1 leg: what the app reads as one
 * request must be exactly the request the gateway judged, audited and signed an assertion for.
 */
class ProxyDesyncTest {
    private final ProxyHarness h = new ProxyHarness();

    @AfterEach
    void release() {
        h.channel.finishAndReleaseAll();
    }

    /**
     * Threat: request smuggling to the app. A client names {@code Content-Length} in
     * {@code Connection} (RFC 9110 section 7.6.1 lets a sender list any field there); were it
     * stripped as hop-by-hop, the app would read the request as bodiless and the body (a second,
     * hand-written request with a forged assertion) as the next request: unaudited, unsigned by
     * the gateway, and answered as if it were the client's next one (desync).
     */
    @Test
    void aFramingFieldNamedInConnectionStillFramesTheBodyForTheApp() {
        FakeAppStream app = h.connector.willOpen();
        String smuggled = "GET /admin HTTP/1.1\r\nHost: x\r\nGatehouse-Jwt-Assertion: forged\r\n\r\n";
        h.client("POST /api/contents HTTP/1.1\r\n"
                + "Host: jupyter--gpu-node-1.apps.gw.example:8443\r\n"
                + "Connection: keep-alive, Content-Length, Transfer-Encoding, Host\r\n"
                + "Content-Length: " + smuggled.length() + "\r\n\r\n" + smuggled);
        String sent = app.written();
        String head = sent.substring(0, sent.indexOf("\r\n\r\n"));
        boolean framed = head.toLowerCase().contains("content-length: " + smuggled.length())
                || head.toLowerCase().contains("transfer-encoding: chunked");
        assertThat(framed).as("the body is framed for the app:\n" + head).isTrue();
        assertThat(head).as("Host is end to end, not hop-by-hop").contains("Host: jupyter--gpu-node-1.apps.gw.example:8443");
    }

    /**
     * Threat: a keep-alive connection opened for app A carries a later request the front judged
     * and admitted for app B (an HTTP/1.1 client without SNI may switch {@code Host}). Were the
     * proxy to keep the first request's session and stream, B's request (with B's own cookies)
     * would reach app A, signed and audited as A's.
     */
    @Test
    void aLaterRequestAdmittedForAnotherAppGoesToThatAppNotTheFirst() {
        FakeAppStream first = h.connector.willOpen();
        h.client("GET /a HTTP/1.1\r\nHost: jupyter--gpu-node-1.apps.gw.example\r\n\r\n");
        h.app(first, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
        assertThat(h.toClient()).endsWith("\r\n\r\na");
        FakeSession other = new FakeSession(java.net.URI.create("http://127.0.0.1:6006"));
        h.channel.attr(dev.gatehouse.gateway.web.AppSessionContext.ATTR).set(other);
        FakeAppStream second = h.connector.willOpen();
        h.client("GET /b HTTP/1.1\r\nHost: tensorboard--gpu-node-1.apps.gw.example\r\nCookie: b_own=1\r\n\r\n");
        assertThat(first.written()).doesNotContain("/b").doesNotContain("b_own");
        assertThat(h.connector.opened).hasSize(2);
        assertThat(h.connector.opened.get(1)).isSameAs(other.route);
        assertThat(second.written()).startsWith("GET /b HTTP/1.1");
        assertThat(other.attached).contains(h.channel);
    }

    /**
     * Threat: identity spoofing through header-name aliasing. CGI/WSGI-style servers (and
     * frameworks on them) read {@code Gatehouse_Jwt_Assertion} and {@code Gatehouse-Jwt-Assertion}
     * as the same variable ({@code HTTP_GATEHOUSE_JWT_ASSERTION}), so a client-sent underscore
     * spelling could replace the gateway's assertion or forwarded address at the app.
     */
    @Test
    void underscoreSpellingsOfTheGatewaysFieldsNeverReachTheApp() {
        FakeAppStream app = h.connector.willOpen();
        h.client("GET / HTTP/1.1\r\nHost: jupyter--gpu-node-1.apps.gw.example\r\n"
                + "Gatehouse_Jwt_Assertion: forged\r\nX_Forwarded_For: 10.9.9.9\r\nx-forwarded_proto: http\r\n"
                + "X_Real_IP: 10.9.9.9\r\nX-Other_Field: kept\r\n\r\n");
        String sent = app.written();
        assertThat(sent).doesNotContain("forged").doesNotContain("10.9.9.9").doesNotContain("proto: http\r\n")
                .contains("gatehouse-jwt-assertion: " + FakeSession.ASSERTION).contains("X-Other_Field: kept");
    }

    /**
     * Threat: the same with pipelining. Requests for A, B and A again in one read are each
     * judged by the front (which sets the channel's session as it goes) before the proxy starts
     * the second; B's must still go to B, not to whatever session the channel names by then.
     */
    @Test
    void pipelinedRequestsForTwoAppsEachGoToTheirOwnApp() {
        FakeSession other = new FakeSession(java.net.URI.create("http://127.0.0.1:6006"));
        var attr = h.channel.attr(dev.gatehouse.gateway.web.AppSessionContext.ATTR);
        // the front, in front of the codec's output: sets the session each request was admitted under
        h.channel.pipeline().addBefore(h.channel.pipeline().context(AppProxyHandler.class).name(), "front",
                new io.netty.channel.ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof io.netty.handler.codec.http.HttpRequest r) {
                            attr.set(r.headers().get("Host").startsWith("tensorboard") ? other : h.session);
                        }
                        ctx.fireChannelRead(msg);
                    }
                });
        FakeAppStream first = h.connector.willOpen();
        h.client("GET /a1 HTTP/1.1\r\nHost: jupyter--gpu-node-1.apps.gw.example\r\n\r\n"
                + "GET /b HTTP/1.1\r\nHost: tensorboard--gpu-node-1.apps.gw.example\r\n\r\n"
                + "GET /a2 HTTP/1.1\r\nHost: jupyter--gpu-node-1.apps.gw.example\r\n\r\n");
        FakeAppStream second = h.connector.willOpen();
        h.app(first, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
        assertThat(first.written()).contains("/a1").doesNotContain("/b");
        assertThat(h.connector.opened).hasSize(2);
        assertThat(h.connector.opened.get(1)).isSameAs(other.route);
        assertThat(second.written()).startsWith("GET /b HTTP/1.1");
    }
}
