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
}
