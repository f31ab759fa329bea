package dev.gatehouse.gateway.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs against a real HTTP server on 127.0.0.1, port 0; backoff goes through a recording sleeper. */
class WebhookTest {
    /** Generous, so a cold JVM never turns an expected success into a timeout; the timeout test uses SHORT_TIMEOUT. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SHORT_TIMEOUT = Duration.ofMillis(200);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final byte[] SIGNING_SECRET = "0123456789abcdef-signing".getBytes(StandardCharsets.US_ASCII);
    private static final Map<String, Object> PAYLOAD = Map.of("event", "request.created", "id", "req-42");

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    private final Webhook.Sleeper recordingSleeper = d -> {
        sleeps.add(d);
        return CompletableFuture.completedFuture(null);
    };
    private final CountDownLatch release = new CountDownLatch(1);
    private final Deque<Integer> statuses = new ArrayDeque<>();
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean holdResponses;
    private HttpServer server;
    private URI url;

    record Received(String method, String contentType, String signature, String delivery, byte[] body) {
    }

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(pool);
        server.createContext("/hook", this::handle);
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        var h = ex.getRequestHeaders();
        received.add(new Received(ex.getRequestMethod(), h.getFirst("Content-Type"), h.getFirst("X-Gatehouse-Signature"),
                h.getFirst("X-Gatehouse-Delivery"), body));
        if (holdResponses) {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int status;
        synchronized (statuses) {
            status = statuses.isEmpty() ? 200 : statuses.poll();
        }
        if (status / 100 == 3) {
            ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + server.getAddress().getPort() + "/elsewhere");
        }
        ex.sendResponseHeaders(status, -1);
        ex.close();
    }

    private void respondWith(Integer... codes) {
        synchronized (statuses) {
            statuses.addAll(List.of(codes));
        }
    }

    private Webhook webhook(int maxAttempts) {
        return new Webhook(url, TIMEOUT, maxAttempts, FIRST_BACKOFF, pool, recordingSleeper);
    }

    private Webhook signedWebhook(int maxAttempts) {
        return new Webhook(url, TIMEOUT, maxAttempts, FIRST_BACKOFF, pool, recordingSleeper, SIGNING_SECRET);
    }

    private static boolean await(CompletableFuture<Boolean> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS);
    }

    @Test
    void deliversJsonWithContentTypeAndVerifiableSignature() throws Exception {
        assertThat(await(signedWebhook(3).send(PAYLOAD))).isTrue();

        assertThat(received).hasSize(1);
        Received r = received.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.contentType()).isEqualTo("application/json");
        assertThat(new ObjectMapper().readValue(r.body(), new TypeReference<Map<String, Object>>() { }))
                .isEqualTo(PAYLOAD);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SIGNING_SECRET, "HmacSHA256"));
        assertThat(r.signature()).isEqualTo("sha256=" + HexFormat.of().formatHex(mac.doFinal(r.body())));
        assertThat(r.delivery()).isNotBlank();
    }

    @Test
    void unsignedWebhookSendsNoSignatureHeader() throws Exception {
        assertThat(await(webhook(1).send(PAYLOAD))).isTrue();
        assertThat(received.get(0).signature()).isNull();
    }

    @Test
    void retriesAfterTwo503sWithExponentialBackoffThenSucceeds() throws Exception {
        respondWith(503, 503, 200);
        assertThat(await(webhook(5).send(PAYLOAD))).isTrue();

        assertThat(received).hasSize(3);
        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        // One delivery id across retries lets the receiver drop a duplicate.
        assertThat(received).extracting(Received::delivery).containsOnly(received.get(0).delivery());
    }

    @Test
    void retriesWhenRateLimited() throws Exception {
        respondWith(429, 200);
        assertThat(await(webhook(3).send(PAYLOAD))).isTrue();
        assertThat(received).hasSize(2);
    }

    @Test
    void doesNotRetryAClientError() throws Exception {
        respondWith(400);
        assertThat(await(webhook(5).send(PAYLOAD))).isFalse();
        assertThat(received).hasSize(1);
        assertThat(sleeps).isEmpty();
    }

    /** Threat: a redirect makes the gateway send signed request details to a host nobody configured. */
    @Test
    void doesNotFollowRedirects() throws Exception {
        respondWith(302);
        assertThat(await(signedWebhook(5).send(PAYLOAD))).isFalse();
        assertThat(received).hasSize(1);
    }

    @Test
    void timesOutEachAttemptAndGivesUpAfterMaxAttempts() throws Exception {
        holdResponses = true;
        Webhook hook = new Webhook(url, SHORT_TIMEOUT, 2, FIRST_BACKOFF, pool, recordingSleeper);
        long start = System.nanoTime();
        assertThat(await(hook.send(PAYLOAD))).isFalse();

        // Server hold is 5 s; giving up well before proves each attempt was cut at its timeout.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(sleeps).containsExactly(FIRST_BACKOFF); // two attempts, one backoff between them
        assertThat(received).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void retriesRefusedConnectionsThenGivesUp() throws Exception {
        HttpServer closed = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int port = closed.getAddress().getPort();
        closed.stop(0);
        Webhook hook = new Webhook(URI.create("http://127.0.0.1:" + port + "/hook"), SHORT_TIMEOUT, 4, FIRST_BACKOFF, pool,
                recordingSleeper);

        assertThat(await(hook.send(PAYLOAD))).isFalse();
        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400));
    }

    /** Threat: an endpoint that always fails turns one notification into unbounded traffic. */
    @Test
    void totalAttemptsAreBoundedByMaxAttempts() throws Exception {
        respondWith(500, 502, 503, 504, 500, 500);
        assertThat(await(webhook(3).send(PAYLOAD))).isFalse();
        assertThat(received).hasSize(3);
        assertThat(sleeps).hasSize(2);
    }

    @Test
    void sendReturnsBeforeDeliveryWithoutBlockingTheCaller() throws Exception {
        holdResponses = true;
        Webhook hook = webhook(1);

        CompletableFuture<Boolean> result = hook.send(PAYLOAD);
        assertThat(result).isNotDone();
        release.countDown();
        assertThat(await(result)).isTrue();
    }

    @Test
    void neverThrowsIntoTheCaller() throws Exception {
        Map<String, Object> unserialisable = new LinkedHashMap<>();
        unserialisable.put("thing", new Object());
        assertThat(await(webhook(3).send(unserialisable))).isFalse();

        Webhook rejecting = new Webhook(url, TIMEOUT, 3, FIRST_BACKOFF, r -> {
            throw new RejectedExecutionException("full");
        }, recordingSleeper);
        assertThat(await(rejecting.send(PAYLOAD))).isFalse();
        assertThat(received).isEmpty();
    }

    @Test
    void realSleeperWaitsWithoutHoldingAThread() throws Exception {
        long start = System.nanoTime();
        CompletableFuture<Void> slept = Webhook.Sleeper.on(pool).sleep(Duration.ofMillis(50));
        assertThat(slept).isNotDone();
        slept.get(5, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
    }

    /** Threat: a file:, ftp: or jar: URL turns the webhook into a local file reader or an odd protocol client. */
    @Test
    void acceptsOnlyHttpAndHttpsUrls() {
        for (String bad : List.of("ftp://example.com/x", "file:///etc/passwd", "jar:file:/x.jar!/", "example.com/hook",
                "mailto:ops@example.com")) {
            assertThatThrownBy(() -> new Webhook(URI.create(bad), TIMEOUT, 3, FIRST_BACKOFF, pool, recordingSleeper))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new Webhook(URI.create("https://user:pw@example.com/"), TIMEOUT, 3, FIRST_BACKOFF,
                pool, recordingSleeper)).hasMessageContaining("user:password");
        new Webhook(URI.create("HTTPS://example.com/hook"), TIMEOUT, 3, FIRST_BACKOFF, pool, recordingSleeper);
    }

    @Test
    void refusesNonsenseLimits() {
        assertThatThrownBy(() -> webhook(0)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> webhook(11)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> new Webhook(url, Duration.ZERO, 3, FIRST_BACKOFF, pool, recordingSleeper))
                .hasMessageContaining("timeout");
        assertThatThrownBy(() -> new Webhook(url, TIMEOUT, 3, FIRST_BACKOFF, pool, recordingSleeper, new byte[4]))
                .hasMessageContaining("signing secret");
    }

    /** Threat: chat webhook URLs carry their token in the path, and toString ends up in logs. */
    @Test
    void describesItselfWithoutThePathToken() {
        Webhook hook = new Webhook(URI.create("https://hooks.example.com/services/T0/B0/s3cr3tT0ken"), TIMEOUT, 3,
                FIRST_BACKOFF, pool, recordingSleeper, SIGNING_SECRET);
        assertThat(hook.toString()).contains("hooks.example.com").doesNotContain("s3cr3tT0ken").doesNotContain("signing");
    }
}
