package dev.gatehouse.gateway.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.gateway.web.AppConnector;
import dev.gatehouse.gateway.web.AppStream;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy on real sockets: a Netty server with {@link HttpServerCodec} and {@link AppProxyHandler}
 * (as the web front installs them, minus TLS), a plain TCP {@link AppStream} to a small in-process
 * HTTP app, and the JDK's HTTP client as the browser.
 */
class AppProxyLoopbackTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final MemoryAuditStore store = new MemoryAuditStore();
    private final AtomicInteger opens = new AtomicInteger();
    private final AtomicReference<String> assertionSeen = new AtomicReference<>();
    private final CountDownLatch clientGotFirstEvent = new CountDownLatch(1);
    private final AtomicBoolean secondEventWaitedForClient = new AtomicBoolean();
    private HttpServer app;
    private Channel proxy;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        app = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        app.createContext("/hello", x -> {
            assertionSeen.set(x.getRequestHeaders().getFirst("Gatehouse-Jwt-Assertion"));
            byte[] body = ("hello " + x.getRequestMethod()).getBytes(StandardCharsets.UTF_8);
            try (InputStream in = x.getRequestBody()) {
                in.readAllBytes();
            }
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        app.createContext("/events", x -> {
            x.getResponseHeaders().set("Content-Type", "text/event-stream");
            x.sendResponseHeaders(200, 0); // chunked
            try (OutputStream out = x.getResponseBody()) {
                out.write("data: one\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                // The second event is produced only after the client has the first: a buffering proxy never gets here in time.
                secondEventWaitedForClient.set(clientGotFirstEvent.await(20, TimeUnit.SECONDS));
                out.write("data: two\n\n".getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        app.start();
        int appPort = app.getAddress().getPort();
        FakeSession session = new FakeSession(URI.create("http://127.0.0.1:" + appPort));
        AppConnector connector = LoopbackProxy.tcp(group, opens::incrementAndGet);
        proxy = LoopbackProxy.listen(group, session, connector, store, new WriteBufferWaterMark(32 * 1024, 64 * 1024));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close().sync();
        app.stop(0);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + ((InetSocketAddress) proxy.localAddress()).getPort() + path);
    }

    @Test
    void theJdkClientGetsTheAppsAnswerAndTheAppGetsTheGatewaysAssertion() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(url("/hello")).header("Gatehouse-Jwt-Assertion", "forged")
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello POST");
        assertThat(assertionSeen.get()).isEqualTo(FakeSession.ASSERTION);
        // the event is written when the exchange completes on the proxy's side, which may be just after
        // the client has read the last byte
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(store.of("app.request")).singleElement()
                        .satisfies(e -> assertThat(e.details()).containsEntry("bytes_in", "100000").containsEntry("method", "POST")));
    }

    /** Two requests on one client connection (a raw socket, so the client cannot quietly open a second one) use one stream. */
    @Test
    void sequentialRequestsOnOneConnectionShareOneStream() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), ((InetSocketAddress) proxy.localAddress()).getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readResponse(in)).endsWith("hello GET");
            out.write("POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readResponse(in)).endsWith("hello POST");
        }
        assertThat(opens.get()).isEqualTo(1);
    }

    /** Reads one response with a Content-Length body. */
    private static String readResponse(InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    @Test
    void serverSentEventsArriveAsTheAppProducesThem() throws Exception {
        HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(url("/events")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo("data: one");
            clientGotFirstEvent.countDown();
            assertThat(lines.readLine()).isEmpty();
            assertThat(lines.readLine()).isEqualTo("data: two");
        }
        assertThat(secondEventWaitedForClient).isTrue();
    }
}
