package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow clients on the HTTP/1.1 pipeline the listener builds ({@link WebFront#http1}), on the
 * EmbeddedChannel's own clock (no sleeps).
 */
class WebSlowClientTest {
    /** The contract's limit: a request head completes within 60 s of the connection or the previous exchange. */
    static final long HEAD_TIMEOUT_S = 60;
    @TempDir
    Path dir;
    WebFixture f;
    WebFront front;
    EmbeddedChannel ch;

    @BeforeEach
    void setUp() throws Exception {
        f = new WebFixture(dir);
        front = new WebFront(f.parts);
        ch = new EmbeddedChannel();
        front.http1(ch);
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        front.close();
        f.close();
    }

    private void send(String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    private void pass(long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    /**
     * Threat: slowloris. A client trickles a request head a byte every few minutes (under the
     * 10-minute idle limit) and holds the connection forever; enough of them use up the
     * gateway's connections. A request head must be complete within 60 s.
     */
    @Test
    void aRequestHeadThatNeverEndsClosesTheConnection() {
        String head = "GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
        for (int i = 0; i < 10 && ch.isOpen(); i++) {
            send(head.substring(i * 4, Math.min(head.length(), i * 4 + 4)));
            pass(9);
        }
        assertThat(ch.isOpen()).isFalse();
    }

    /** Threat: the same with an idle keep-alive connection after an answered request. */
    @Test
    void anIdleKeepAliveConnectionClosesAfterTheHeadTimeout() {
        send("GET /nothing-here HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat((Object) ch.readOutbound()).isNotNull();
        assertThat(ch.isOpen()).isTrue();
        pass(HEAD_TIMEOUT_S + 1);
        assertThat(ch.isOpen()).isFalse();
    }

    /** A client that sends its request in time keeps its connection for the next one. */
    @Test
    void aPromptClientKeepsItsConnection() {
        send("GET /nothing-here HTTP/1.1\r\nHost: localhost\r\n\r\n");
        pass(HEAD_TIMEOUT_S - 5);
        send("GET /nothing-here HTTP/1.1\r\nHost: localhost\r\n\r\n");
        pass(HEAD_TIMEOUT_S - 5);
        assertThat(ch.isOpen()).isTrue();
    }

    /**
     * Behaviour: the head clock stops while an exchange is open, so a response that streams for
     * longer (server-sent events, a long download) and a WebSocket after its 101 are never cut.
     */
    @Test
    void openExchangesAndWebSocketsAreNeverTimedOut() {
        EmbeddedChannel c = new EmbeddedChannel(new io.netty.handler.codec.http.HttpServerCodec(),
                new RequestHeadTimeout(java.time.Duration.ofSeconds(HEAD_TIMEOUT_S)));
        c.writeInbound(Unpooled.copiedBuffer("GET /events HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.ISO_8859_1));
        var res = new io.netty.handler.codec.http.DefaultHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                io.netty.handler.codec.http.HttpResponseStatus.OK);
        io.netty.handler.codec.http.HttpUtil.setTransferEncodingChunked(res, true);
        c.writeOutbound(res);
        c.advanceTimeBy(HEAD_TIMEOUT_S * 5, TimeUnit.SECONDS);
        c.runScheduledPendingTasks();
        assertThat(c.isOpen()).as("a streaming response outlives the head timeout").isTrue();
        c.writeOutbound(io.netty.handler.codec.http.LastHttpContent.EMPTY_LAST_CONTENT);
        c.writeInbound(Unpooled.copiedBuffer("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
                StandardCharsets.ISO_8859_1));
        c.writeOutbound(new io.netty.handler.codec.http.DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                io.netty.handler.codec.http.HttpResponseStatus.SWITCHING_PROTOCOLS));
        c.advanceTimeBy(HEAD_TIMEOUT_S * 5, TimeUnit.SECONDS);
        c.runScheduledPendingTasks();
        assertThat(c.isOpen()).as("a WebSocket is no HTTP exchange").isTrue();
        assertThat(c.pipeline().get(RequestHeadTimeout.class)).isNull();
        c.finishAndReleaseAll();
    }
}
