package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.gateway.web.console.ApiResponse;
import dev.gatehouse.gateway.web.console.ConsoleModule;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The front controller's streamed answers ({@link ApiResponse.Stream}, server-sent events) and its
 * ordering of pipelined HTTP/1.1 requests, over the real listener.
 */
class ConsoleStreamTest {
    @TempDir
    Path dir;
    ConsoleHarness h;
    final BlockingQueue<ApiResponse.StreamSink> sinks = new LinkedBlockingQueue<>();
    final AtomicInteger closed = new AtomicInteger();
    /** Which endpoint threads ran calls (never an event loop). */
    final BlockingQueue<String> threads = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() throws Exception {
        ConsoleModule test = routes -> routes
                .get("/api/v1/test/stream", r -> new ApiResponse.Stream("text/event-stream", sink -> {
                    sink.onClose(closed::incrementAndGet);
                    sink.write("event: header\ndata: {\"user\": \"" + r.viewer().user() + "\"}\n\n");
                    sinks.add(sink);
                }))
                .get("/api/v1/test/slow/{n}", r -> {
                    threads.add(Thread.currentThread().getName());
                    int n = Integer.parseInt(r.param("n"));
                    try {
                        // a deliberate delay, not a wait for a condition: the first call is the slowest,
                        // yet on its connection it must still be answered first
                        TimeUnit.MILLISECONDS.sleep(n == 1 ? 300 : 0);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ApiResponse.ok(Map.of("n", n));
                });
        h = new ConsoleHarness(dir, test);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void aStreamSendsItsHeadThenEventsUntilTheEndpointClosesIt() throws Exception {
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        for (HttpClient.Version v : HttpClient.Version.values()) {
            HttpClient client = h.client(v);
            HttpResponse<java.util.stream.Stream<String>> r = client.send(h.request("/api/v1/test/stream")
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.version()).isEqualTo(v);
            assertThat(r.headers().firstValue("content-type")).contains("text/event-stream");
            assertThat(r.headers().firstValue("cache-control")).contains("no-store");
            assertThat(r.headers().firstValue("content-security-policy")).isPresent();
            ApiResponse.StreamSink sink = sinks.poll(10, TimeUnit.SECONDS);
            assertThat(sink).isNotNull();
            assertThat(sink.write("event: output\ndata: [0.5, \"o\", \"hi\"]\n\n")).isTrue();
            sink.close();
            assertThat(sink.write("late")).as("closed").isFalse();
            List<String> lines = r.body().toList();
            assertThat(lines).containsExactly("event: header", "data: {\"user\": \"alice\"}", "", "event: output",
                    "data: [0.5, \"o\", \"hi\"]", "");
            // the connection (or h2 session) serves the next call
            assertThat(client.send(h.request("/api/v1/whoami").header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> closed.get() == 2);
    }

    @Test
    void whenTheClientGoesTheSinkSaysSoAndRunsItsCloseListeners() throws Exception {
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        try (SSLSocket s = socket()) {
            s.getOutputStream().write(("GET /api/v1/test/stream HTTP/1.1\r\nHost: localhost:" + h.port + "\r\nAuthorization: Bearer "
                    + token + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(sinks.poll(10, TimeUnit.SECONDS)).isNotNull();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> closed.get() == 1);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOnTheCommandPool() throws Exception {
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        try (SSLSocket s = socket()) {
            StringBuilder both = new StringBuilder();
            for (int n = 1; n <= 3; n++) {
                both.append("GET /api/v1/test/slow/").append(n).append(" HTTP/1.1\r\nHost: localhost:").append(h.port)
                        .append("\r\nAuthorization: Bearer ").append(token).append("\r\n\r\n");
            }
            s.getOutputStream().write(both.toString().getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            StringBuilder text = new StringBuilder();
            byte[] buf = new byte[4096];
            while (!text.toString().contains("{\"n\":3}")) {
                int n = s.getInputStream().read(buf);
                assertThat(n).as("answers so far: " + text).isPositive();
                text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            String all = text.toString();
            assertThat(all.indexOf("{\"n\":1}")).isPositive().isLessThan(all.indexOf("{\"n\":2}"));
            assertThat(all.indexOf("{\"n\":2}")).isLessThan(all.indexOf("{\"n\":3}"));
            assertThat(all.split("HTTP/1.1 200 OK", -1)).hasSize(4);
        }
        assertThat(threads).hasSize(3).allSatisfy(t -> assertThat(t).doesNotContain("nioEventLoop").doesNotContain("IoEventLoop"));
    }

    @Test
    void aBodyAfterExpect100ContinueIsAskedForAtOnceAndAnOversizedOneRefusedBeforeItIsSent() throws Exception {
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        String body = "{\"login\": \"mlops\", \"node\": \"gpu-node-1\", \"duration\": \"30m\", \"reason\": \"" + "r".repeat(400) + "\"}";
        try (SSLSocket s = socket()) {
            s.getOutputStream().write(("POST /api/v1/requests HTTP/1.1\r\nHost: localhost:" + h.port + "\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(in.readLine()).isEmpty();
            s.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 201 Created");
        }
        try (SSLSocket s = socket()) {
            s.getOutputStream().write(("POST /api/v1/requests HTTP/1.1\r\nHost: localhost:" + h.port + "\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
            assertThat(in.lines().toList()).as("closed after the refusal").anySatisfy(l -> assertThat(l).contains("too_large"));
        }
        assertThat(h.access.state().requests()).hasSize(1);
    }

    private SSLSocket socket() throws Exception {
        Socket raw = new Socket("127.0.0.1", h.port);
        SSLSocket s = (SSLSocket) h.tls.clientContext().getSocketFactory().createSocket(raw, "localhost", h.port, true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("localhost")));
        p.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(p);
        s.setSoTimeout(20_000);
        s.startHandshake();
        return s;
    }
}
