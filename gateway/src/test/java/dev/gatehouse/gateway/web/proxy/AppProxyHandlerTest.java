package dev.gatehouse.gateway.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.gateway.ssh.upstream.UpstreamStage;
import dev.gatehouse.recorder.AuditEvent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HTTP data path of the app proxy, in an EmbeddedChannel with an in-memory app. */
class AppProxyHandlerTest {
    private static final String GET = "GET /tree?token=abc HTTP/1.1\r\nHost: jupyter--gpu-node-1.apps.gw.example:8443\r\n\r\n";

    private final ProxyHarness h = new ProxyHarness();

    @org.junit.jupiter.api.AfterEach
    void releaseWhatTheClientDidNotRead() {
        h.channel.finishAndReleaseAll();
    }

    private static long count(String text, String needle) {
        return Arrays.stream(text.split("\r\n")).filter(l -> l.toLowerCase().startsWith(needle.toLowerCase())).count();
    }

    /** Threat: a client forges the identity header the app trusts, or smuggles hop-by-hop fields through. */
    @Test
    void clientAssertionsAndHopByHopFieldsNeverReachTheApp() {
        FakeAppStream app = h.connector.willOpen();
        h.client("POST /api/contents HTTP/1.1\r\n"
                + "Host: jupyter--gpu-node-1.apps.gw.example:8443\r\n"
                + "Gatehouse-Jwt-Assertion: forged.by.client\r\n"
                + "gatehouse-jwt-assertion: second.forgery\r\n"
                + "Connection: keep-alive, X-Secret-Hop\r\n"
                + "X-Secret-Hop: 1\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "Proxy-Connection: keep-alive\r\n"
                + "TE: trailers, deflate\r\n"
                + "Upgrade: h2c\r\n"
                + "X-Forwarded-For: 10.9.9.9\r\n"
                + "Forwarded: for=10.9.9.9\r\n"
                + "Cookie: _xsrf=2|abc; __Host-gatehouse-app=SESSION; username-x=1\r\n"
                + "Cookie: __Host-gatehouse=CONSOLE\r\n"
                + "Content-Length: 5\r\n\r\nhello");
        String sent = app.written();
        String head = sent.substring(0, sent.indexOf("\r\n\r\n"));
        assertThat(head).startsWith("POST /api/contents HTTP/1.1\r\n");
        assertThat(count(head, "gatehouse-jwt-assertion:")).isEqualTo(1);
        assertThat(head).contains("gatehouse-jwt-assertion: " + FakeSession.ASSERTION).doesNotContain("forg");
        assertThat(head).doesNotContainIgnoringCase("x-secret-hop").doesNotContainIgnoringCase("keep-alive")
                .doesNotContainIgnoringCase("proxy-connection").doesNotContainIgnoringCase("upgrade")
                .doesNotContainIgnoringCase("deflate").doesNotContainIgnoringCase("connection:")
                .doesNotContain("10.9.9.9").doesNotContainIgnoringCase("forwarded: ");
        assertThat(head).containsIgnoringCase("te: trailers");
        assertThat(head).contains("Host: jupyter--gpu-node-1.apps.gw.example:8443");
        assertThat(head).contains("x-forwarded-for: 198.51.100.7", "x-forwarded-proto: https",
                "x-forwarded-host: jupyter--gpu-node-1.apps.gw.example:8443");
        assertThat(head).containsIgnoringCase("Cookie: _xsrf=2|abc; username-x=1").doesNotContain("SESSION").doesNotContain("CONSOLE");
        assertThat(sent).endsWith("\r\n\r\nhello");
        assertThat(h.session.attached).containsExactly(h.channel);
    }

    @Test
    void locationAtTheAppsOwnAddressAndCookieDomainsAreRewritten() {
        FakeAppStream app = h.connector.willOpen();
        h.client(GET);
        h.app(app, "HTTP/1.1 302 Found\r\n"
                + "Location: http://127.0.0.1:8888/login?next=%2Ftree\r\n"
                + "Set-Cookie: _xsrf=2|abc; Domain=127.0.0.1; Path=/; HttpOnly\r\n"
                + "Set-Cookie: __Host-gatehouse-app=planted; Path=/; Secure\r\n"
                + "Content-Length: 0\r\n\r\n");
        String out = h.toClient();
        assertThat(out).startsWith("HTTP/1.1 302 Found\r\n")
                .containsIgnoringCase("Location: https://jupyter--gpu-node-1.apps.gw.example:8443/login?next=%2Ftree\r\n")
                .containsIgnoringCase("Set-Cookie: _xsrf=2|abc; Path=/; HttpOnly\r\n")
                .doesNotContainIgnoringCase("domain=");
        // Threat: an app replaces the gateway's own session cookie on its host (session fixation).
        assertThat(out).doesNotContain("planted");
    }

    @Test
    void locationElsewhereIsLeftAlone() {
        ResponseHeaders r = new ResponseHeaders(java.net.URI.create("http://127.0.0.1:8888"), "jupyter--gpu-node-1.apps.gw.example", 8443);
        assertThat(r.location("/relative/path")).isEqualTo("/relative/path");
        assertThat(r.location("https://example.org/x")).isEqualTo("https://example.org/x");
        assertThat(r.location("http://127.0.0.1:9999/x")).as("another port is another app").isEqualTo("http://127.0.0.1:9999/x");
        assertThat(r.location("http://localhost:8888/x")).isEqualTo("https://jupyter--gpu-node-1.apps.gw.example:8443/x");
        assertThat(r.location("http://jupyter--gpu-node-1.apps.gw.example:8443/x#f"))
                .as("an app that builds URLs from Host but thinks it is on http")
                .isEqualTo("https://jupyter--gpu-node-1.apps.gw.example:8443/x#f");
        assertThat(r.location("::not a uri::")).isEqualTo("::not a uri::");
    }

    @Test
    void serverSentEventsReachTheClientChunkByChunkBeforeTheStreamEnds() {
        FakeAppStream app = h.connector.willOpen();
        h.client("GET /v1/completions HTTP/1.1\r\nHost: a\r\nAccept: text/event-stream\r\n\r\n");
        h.app(app, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertThat(h.toClient()).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("transfer-encoding: chunked");
        h.app(app, "f\r\ndata: token-1\n\n\r\n");
        assertThat(h.toClient()).as("the first event is out while the app is still producing").contains("data: token-1");
        h.app(app, "f\r\ndata: token-2\n\n\r\n");
        assertThat(h.toClient()).contains("data: token-2").doesNotContain("token-1");
        assertThat(h.store.of("app.request")).as("not finished yet").isEmpty();
        h.app(app, "0\r\n\r\n");
        assertThat(h.toClient()).isEqualTo("0\r\n\r\n");
        assertThat(h.store.of("app.request")).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("bytes_out", "30"));
    }

    /** A long response (a token stream) keeps the app session busy until it ends, however quiet it is. */
    @Test
    void aRequestIsInFlightUntilItsResponseEnds() {
        FakeAppStream app = h.connector.willOpen();
        h.client("GET /v1/completions HTTP/1.1\r\nHost: a\r\nAccept: text/event-stream\r\n\r\n");
        h.app(app, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        h.toClient();
        assertThat(h.session.inFlight).hasSize(1).containsValue(h.channel);
        h.app(app, "0\r\n\r\n");
        h.toClient();
        assertThat(h.session.inFlight).as("the exchange is done").isEmpty();
        assertThat(h.channel.isOpen()).as("an idle keep-alive connection stays, but is not work").isTrue();
    }

    @Test
    void sequentialRequestsReuseOneStreamAndEachIsAudited() {
        FakeAppStream app = h.connector.willOpen();
        h.client(GET);
        h.clock.advance(Duration.ofMillis(42));
        h.app(app, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(h.toClient()).endsWith("\r\n\r\nok");
        h.client("POST /api/kernels HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
        h.app(app, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        assertThat(h.toClient()).startsWith("HTTP/1.1 503");
        assertThat(h.connector.opened).hasSize(1);
        assertThat(h.channel.isOpen()).isTrue();
        List<AuditEvent> events = h.store.of("app.request");
        assertThat(events).hasSize(2);
        AuditEvent first = events.get(0);
        assertThat(first.outcome()).isEqualTo("success");
        assertThat(first.user()).isEqualTo("alice");
        assertThat(first.node()).isEqualTo("gpu-node-1");
        assertThat(first.sessionId()).isEqualTo("s-web-1");
        assertThat(first.details()).containsEntry("app", "jupyter").containsEntry("method", "GET").containsEntry("path", "/tree")
                .containsEntry("query_sha256", sha256("token=abc"))
                .containsEntry("status", "200").containsEntry("bytes_in", "0").containsEntry("bytes_out", "2")
                .containsEntry("duration_ms", "42");
        assertThat(first.details().toString()).doesNotContain("token=abc");
        AuditEvent second = events.get(1);
        assertThat(second.outcome()).as("5xx is a failure").isEqualTo("failure");
        assertThat(second.details()).containsEntry("status", "503").containsEntry("bytes_in", "3").doesNotContainKey("query_sha256");
        assertThat(h.session.requests.get()).isEqualTo(2);
        assertThat(h.session.bytesIn.get()).isEqualTo(3);
        assertThat(h.session.bytesOut.get()).isEqualTo(2);
    }

    private static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Keep-alive holds when the app answers as soon as it has a request's head: the head and the
     * GET's empty end go to the app in one write, so the request is complete before any answer
     * (sent apart, the answer found it unfinished and the proxy closed the connection: every
     * request of a benchmark, and of a browser, paid a new TLS handshake).
     */
    @Test
    void aSecondRequestAnsweredAtOnceKeepsTheConnection() {
        FakeAppStream app = h.connector.willOpen();
        h.client(GET);
        h.app(app, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
        app.holdWrites = true;
        h.client(GET);
        // the app answers while the proxy's write of the second request is still outstanding
        h.app(app, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
        app.releaseWrites();
        h.channel.runPendingTasks();
        String out = h.toClient();
        assertThat(out).endsWith("\r\n\r\nb").doesNotContainIgnoringCase("connection: close");
        assertThat(h.channel.isOpen()).isTrue();
        assertThat(h.connector.opened).hasSize(1);
    }

    @Test
    void theAppClosingBetweenRequestsOpensANewStreamForTheNext() {
        FakeAppStream first = h.connector.willOpen();
        h.client(GET);
        h.app(first, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
        first.end();
        h.channel.runPendingTasks();
        assertThat(first.closed).isTrue();
        FakeAppStream second = h.connector.willOpen();
        h.client(GET);
        assertThat(second.written()).startsWith("GET /tree?token=abc HTTP/1.1");
        h.app(second, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
        assertThat(h.toClient()).contains("\r\n\r\na").endsWith("\r\n\r\nb");
        assertThat(h.connector.opened).hasSize(2);
    }

    @Test
    void aCloseDelimitedBodyEndsWhenTheAppCloses() {
        FakeAppStream app = h.connector.willOpen();
        h.client(GET);
        h.app(app, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart-one ");
        h.app(app, "part-two");
        app.end();
        String out = h.toClient();
        assertThat(out).containsIgnoringCase("transfer-encoding: chunked").contains("part-one ", "part-two").endsWith("0\r\n\r\n");
        assertThat(h.store.of("app.request")).singleElement().satisfies(e -> assertThat(e.outcome()).isEqualTo("success"));
        assertThat(h.channel.isOpen()).as("the client's connection stays; the next request gets a new stream").isTrue();
    }

    @Test
    void anUnreachableAppGetsA502NamingTheStageEscaped() {
        h.connector.willFail(new UpstreamException(UpstreamStage.CHANNEL_OPEN, "the node refused the channel: <script>alert(1)</script>",
                "ADMINISTRATIVELY_PROHIBITED: <b>no</b>", null));
        h.client(GET);
        String out = h.toClient();
        assertThat(out).startsWith("HTTP/1.1 502 Bad Gateway\r\n").containsIgnoringCase("content-type: text/html")
                .contains("Node gpu-node-1 refused the tunnel to the app at http://127.0.0.1:8888")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt;").doesNotContain("<script>").doesNotContain("at dev.gatehouse");
        assertThat(h.channel.isOpen()).isFalse();
        assertThat(h.store.of("app.request")).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo("failure");
            assertThat(e.details()).containsEntry("status", "502").containsKey("error");
        });
    }

    @Test
    void anEndedSessionGetsA403WithTheReasonAndNoStream() {
        h.session.endReason = "user alice is locked";
        h.client(GET);
        String out = h.toClient();
        assertThat(out).startsWith("HTTP/1.1 403 Forbidden\r\n").contains("user alice is locked");
        assertThat(h.connector.opened).isEmpty();
        assertThat(h.store.of("app.denied")).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo("denied");
            assertThat(e.details()).containsEntry("reason", "user alice is locked").containsEntry("app", "jupyter");
        });
        assertThat(h.channel.isOpen()).isFalse();
    }

    @Test
    void theAppFailingMidResponseClosesTheClientConnection() {
        FakeAppStream app = h.connector.willOpen();
        h.client(GET);
        h.app(app, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
        assertThat(h.toClient()).contains("only part");
        app.fail(new java.io.IOException("channel closed by node"));
        h.channel.runPendingTasks();
        assertThat(h.channel.isOpen()).as("a truncated body must not look complete").isFalse();
        assertThat(h.store.of("app.request")).singleElement().satisfies(e -> assertThat(e.details()).containsKey("error"));
    }

    @Test
    void theAppClosingBeforeAnsweringGetsA502() {
        FakeAppStream app = h.connector.willOpen();
        h.client(GET);
        app.end();
        assertThat(h.toClient()).startsWith("HTTP/1.1 502").contains("closed the connection before the response ended");
    }

    /** Flow control client to app: the client is not read while a write to the app is outstanding. */
    @Test
    void aSlowAppStopsReadingTheClient() {
        FakeAppStream app = h.connector.willOpen();
        app.holdWrites = true;
        h.client("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        int readsAfterHead = h.socket.reads;
        h.client("5\r\nhello\r\n");
        assertThat(h.socket.reads).as("no read while the head is still on its way to the app").isEqualTo(readsAfterHead);
        assertThat(app.written()).doesNotContain("hello");
        app.releaseWrites();
        h.channel.runPendingTasks();
        assertThat(app.written()).contains("hello");
        app.releaseWrites();
        h.channel.runPendingTasks();
        assertThat(h.socket.reads).isGreaterThan(readsAfterHead);
        assertThat(app.overlappingWrites).isFalse();
    }

    /** Flow control app to client: a client that does not read stops the app's stream (memory stays bounded). */
    @Test
    void aClientThatDoesNotReadStopsTheAppsStream() {
        FakeAppStream app = h.connector.willOpen();
        h.client(GET);
        h.app(app, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertThat(app.moreCalls).isEqualTo(1);
        h.socket.hold = true;
        h.app(app, "4\r\nbig1\r\n");
        assertThat(app.moreCalls).as("no next chunk while the client has not taken this one").isEqualTo(1);
        h.socket.drain();
        h.channel.runPendingTasks();
        assertThat(app.moreCalls).isEqualTo(2);
    }

    @Test
    void aNon101AnswerToAnUpgradeIsAnOrdinaryResponse() {
        FakeAppStream app = h.connector.willOpen();
        h.client("GET /api/kernels/k/channels HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        assertThat(app.written()).contains("upgrade: websocket").containsIgnoringCase("connection: upgrade");
        h.app(app, "HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\n\r\norigin!");
        assertThat(h.toClient()).startsWith("HTTP/1.1 403").endsWith("origin!");
        assertThat(h.channel.pipeline().get(io.netty.handler.codec.http.HttpServerCodec.class)).isNotNull();
        h.client(GET);
        assertThat(app.written()).contains("GET /tree");
    }

    @Test
    void aMalformedResponseFromTheAppGetsA502() {
        FakeAppStream app = h.connector.willOpen();
        h.client(GET);
        h.app(app, "NOT HTTP AT ALL\r\n\r\n");
        assertThat(h.toClient()).startsWith("HTTP/1.1 502");
    }

    @Test
    void http10ClientsGetACloseDelimitedBody() {
        FakeAppStream app = h.connector.willOpen();
        h.client("GET / HTTP/1.0\r\nHost: a\r\n\r\n");
        assertThat(app.written()).startsWith("GET / HTTP/1.1\r\n");
        h.app(app, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        String out = h.toClient();
        assertThat(out).doesNotContainIgnoringCase("chunked").endsWith("\r\n\r\nabc");
        assertThat(h.channel.isOpen()).isFalse();
    }

    @Test
    void aContinueFromTheAppReachesTheClientBeforeTheFinalResponse() {
        FakeAppStream app = h.connector.willOpen();
        h.client("PUT /api/contents/big.bin HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
        assertThat(app.written()).containsIgnoringCase("expect: 100-continue");
        h.app(app, "HTTP/1.1 100 Continue\r\n\r\n");
        assertThat(h.toClient()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        h.client("data");
        assertThat(app.written()).endsWith("\r\n\r\ndata");
        h.app(app, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        assertThat(h.toClient()).startsWith("HTTP/1.1 201 Created");
        assertThat(h.store.of("app.request")).singleElement().satisfies(e -> assertThat(e.details())
                .containsEntry("status", "201").containsEntry("bytes_in", "4"));
    }

    @Test
    void aHeadResponseHasNoBodyAndTheConnectionGoesOn() {
        FakeAppStream app = h.connector.willOpen();
        h.client("HEAD /files/model.bin HTTP/1.1\r\nHost: a\r\n\r\n");
        h.app(app, "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n");
        assertThat(h.toClient()).startsWith("HTTP/1.1 200 OK").containsIgnoringCase("content-length: 1073741824").endsWith("\r\n\r\n");
        h.client(GET);
        assertThat(app.written()).contains("GET /tree");
        assertThat(h.store.of("app.request")).hasSize(1);
    }

    /** A client that closes while a response streams (a closed SSE tab) must not leave the app's stream open. */
    @Test
    void aClientGoingAwayMidStreamClosesTheAppsStream() {
        FakeAppStream app = h.connector.willOpen();
        h.client(GET);
        h.app(app, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        h.channel.close();
        h.channel.runPendingTasks();
        assertThat(app.closed).isTrue();
        assertThat(h.store.of("app.request")).singleElement().satisfies(e -> assertThat(e.details())
                .containsEntry("status", "200").containsEntry("error", "the client closed the connection"));
    }

    /** Regression (found by the loopback test): an app answering a GET before the proxy's write completed must not close the connection. */
    @Test
    void anAnswerBeforeTheRequestsWriteCompletedKeepsTheConnection() {
        FakeAppStream app = h.connector.willOpen();
        app.holdWrites = true;
        h.client(GET);
        h.app(app, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(h.toClient()).endsWith("ok").doesNotContainIgnoringCase("connection: close");
        app.releaseWrites();
        h.channel.runPendingTasks();
        assertThat(h.channel.isOpen()).isTrue();
        h.client(GET);
        assertThat(app.written().split("GET /tree", -1)).hasSize(3);
        assertThat(h.connector.opened).hasSize(1);
    }

    /**
     * On HTTP/2 the web front puts Http2StreamFrameToHttpObjectCodec before the proxy, which hands
     * over whole requests and takes response objects; a WebSocket upgrade cannot happen there
     * (RFC 9113 section 8.2.2 forbids Upgrade), so the fields are stripped.
     */
    @Test
    void wholeRequestsFromAnHttp2StreamAreRelayedAndNeverUpgraded() {
        io.netty.channel.embedded.EmbeddedChannel stream = new io.netty.channel.embedded.EmbeddedChannel();
        stream.attr(dev.gatehouse.gateway.web.AppSessionContext.ATTR).set(h.session);
        stream.pipeline().addLast(new AppProxyHandler(h.connector, new dev.gatehouse.gateway.session.AuditTrail(h.store, h.clock, true),
                h.clock, "gw.example", 8443));
        FakeAppStream app = h.connector.willOpen();
        io.netty.handler.codec.http.DefaultFullHttpRequest req = new io.netty.handler.codec.http.DefaultFullHttpRequest(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, "/lab");
        req.headers().set("host", "jupyter--gpu-node-1.apps.gw.example:8443").set("upgrade", "websocket").set("connection", "upgrade")
                .set("x-http2-stream-id", "3").set("x-http2-scheme", "https");
        stream.writeInbound(req);
        stream.runPendingTasks();
        assertThat(app.written()).startsWith("GET /lab HTTP/1.1\r\n").doesNotContainIgnoringCase("upgrade")
                .doesNotContainIgnoringCase("x-http2-").endsWith("\r\n\r\n");
        app.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        stream.runPendingTasks();
        Object head = stream.readOutbound();
        assertThat(head).isInstanceOf(io.netty.handler.codec.http.HttpResponse.class);
        Object body = stream.readOutbound();
        assertThat(body).isInstanceOf(io.netty.handler.codec.http.LastHttpContent.class);
        assertThat(((io.netty.handler.codec.http.HttpContent) body).content().toString(java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("hi");
        ((io.netty.handler.codec.http.HttpContent) body).release();
        stream.finishAndReleaseAll();
    }

    /** Threat: with the audit store down (fail_closed), requests would reach the app with no record of them. */
    @Test
    void withTheAuditStoreDownRequestsAreRefusedBeforeTheApp() {
        h.store.healthy = false;
        h.client(GET);
        assertThat(h.toClient()).startsWith("HTTP/1.1 503").contains("new app requests are refused until it recovers");
        assertThat(h.connector.opened).isEmpty();
        assertThat(h.channel.isOpen()).isFalse();
    }
}
