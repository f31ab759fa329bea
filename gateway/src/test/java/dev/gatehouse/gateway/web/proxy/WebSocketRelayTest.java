package dev.gatehouse.gateway.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** WebSocket upgrades: passed to the app as HTTP/1.1 upgrades, then relayed raw both ways with frames counted. */
class WebSocketRelayTest {
    private static final String UPGRADE = "GET /api/kernels/k1/channels?session_id=s HTTP/1.1\r\n"
            + "Host: jupyter--gpu-node-1.apps.gw.example:8443\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
            + "Origin: https://jupyter--gpu-node-1.apps.gw.example:8443\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    private static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    private final ProxyHarness h = new ProxyHarness();

    @org.junit.jupiter.api.AfterEach
    void releaseWhatTheClientDidNotRead() {
        h.channel.finishAndReleaseAll();
    }

    @Test
    void anUpgradeIsRelayedRawWithFramesCountedAndAudited() {
        FakeAppStream app = h.connector.willOpen();
        h.client(UPGRADE);
        assertThat(app.written()).startsWith("GET /api/kernels/k1/channels?session_id=s HTTP/1.1\r\n")
                .containsIgnoringCase("upgrade: websocket").containsIgnoringCase("connection: upgrade")
                .contains("Origin: https://jupyter--gpu-node-1.apps.gw.example:8443").doesNotContain("keep-alive");

        // The 101 and the app's first frame in one chunk: the frame must not be lost in the codec.
        byte[] hello = Frames.frame(Frames.TEXT, "hello".getBytes(StandardCharsets.UTF_8), false);
        app.send(Unpooled.wrappedBuffer(SWITCHING.getBytes(StandardCharsets.ISO_8859_1), hello));
        h.channel.runPendingTasks();
        byte[] out = h.toClientBytes();
        String text = new String(out, StandardCharsets.ISO_8859_1);
        assertThat(text).startsWith("HTTP/1.1 101 Switching Protocols\r\n").containsIgnoringCase("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assertThat(Arrays.copyOfRange(out, out.length - hello.length, out.length)).isEqualTo(hello);
        assertThat(h.channel.pipeline().get(HttpServerCodec.class)).as("the client's HTTP codec is gone").isNull();
        assertThat(h.store.of("app.websocket")).singleElement().satisfies(e -> assertThat(e.details())
                .containsEntry("phase", "open").containsEntry("path", "/api/kernels/k1/channels"));
        assertThat(app.moreCalls).isEqualTo(1);

        // A client frame split inside its header reaches the app byte for byte.
        int before = app.written().length();
        byte[] ping = Frames.frame(Frames.TEXT, "{\"msg_type\":\"execute_request\"}".getBytes(StandardCharsets.UTF_8), true);
        h.clientBytes(Unpooled.wrappedBuffer(ping, 0, 3));
        h.clientBytes(Unpooled.wrappedBuffer(ping, 3, ping.length - 3));
        assertThat(app.written().substring(before).getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(ping);

        // A 5 MiB frame from the app streams through in 64 KiB chunks, one chunk at a time.
        byte[] big = Frames.frame(Frames.BINARY, new byte[5 * 1024 * 1024], false);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int off = 0; off < big.length; off += 65536) {
            int moreBefore = app.moreCalls;
            app.send(Unpooled.wrappedBuffer(big, off, Math.min(65536, big.length - off)));
            h.channel.runPendingTasks();
            got.writeBytes(h.toClientBytes());
            assertThat(app.moreCalls).isEqualTo(moreBefore + 1);
        }
        assertThat(got.size()).isEqualTo(big.length);

        byte[] clientClose = Frames.close(1000, true);
        h.clientBytes(Unpooled.wrappedBuffer(clientClose));
        byte[] appClose = Frames.close(1000, false);
        app.send(Unpooled.wrappedBuffer(appClose));
        h.clock.advanceMillis(1500);
        app.end();
        h.channel.runPendingTasks();
        assertThat(h.toClientBytes()).isEqualTo(appClose);
        assertThat(h.channel.isOpen()).isFalse();
        assertThat(app.closed).isTrue();
        assertThat(h.store.of("app.websocket")).hasSize(2).last().satisfies(e -> assertThat(e.details())
                .containsEntry("phase", "close").containsEntry("frames_in", "2").containsEntry("frames_out", "3")
                .containsEntry("bytes_in", String.valueOf(ping.length + clientClose.length))
                .containsEntry("bytes_out", String.valueOf(hello.length + big.length + appClose.length))
                .containsEntry("close_code", "1000").containsEntry("duration_ms", "1500"));
        assertThat(h.store.of("app.request")).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("status", "101"));
        assertThat(h.session.bytesOut.get()).isEqualTo(hello.length + big.length + appClose.length);
    }

    @Test
    void aClientThatDoesNotReadStopsTheAppsFrames() {
        FakeAppStream app = h.connector.willOpen();
        h.client(UPGRADE);
        app.send(SWITCHING);
        h.channel.runPendingTasks();
        h.toClientBytes();
        int more = app.moreCalls;
        h.socket.hold = true;
        app.send(Unpooled.wrappedBuffer(Frames.frame(Frames.BINARY, new byte[1000], false)));
        h.channel.runPendingTasks();
        assertThat(app.moreCalls).isEqualTo(more);
        h.socket.drain();
        h.channel.runPendingTasks();
        assertThat(app.moreCalls).isEqualTo(more + 1);
    }

    @Test
    void theClientGoingAwayClosesTheAppsStreamAndAuditsTheClose() {
        FakeAppStream app = h.connector.willOpen();
        h.client(UPGRADE);
        app.send(SWITCHING);
        h.channel.runPendingTasks();
        h.channel.close();
        h.channel.runPendingTasks();
        assertThat(app.closed).isTrue();
        assertThat(h.store.of("app.websocket")).extracting(e -> e.details().get("phase")).containsExactly("open", "close");
    }

    /** An open WebSocket (a Jupyter kernel) keeps the app session busy while it carries no frame. */
    @Test
    void anOpenWebSocketKeepsItsSessionBusy() {
        FakeAppStream app = h.connector.willOpen();
        h.client(UPGRADE);
        app.send(SWITCHING);
        h.channel.runPendingTasks();
        h.toClientBytes();
        assertThat(h.store.of("app.request")).as("the upgrade request itself is done").hasSize(1);
        assertThat(h.session.inFlight.values()).singleElement().isSameAs(h.channel);
    }

    /** Threat: an app answering 101 to a request that asked no upgrade would turn the connection into an unaudited pipe. */
    @Test
    void anUnasked101IsRefused() {
        FakeAppStream app = h.connector.willOpen();
        h.client("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        app.send(SWITCHING);
        h.channel.runPendingTasks();
        assertThat(h.toClient()).startsWith("HTTP/1.1 502");
        assertThat(h.store.of("app.websocket")).isEmpty();
    }
}
