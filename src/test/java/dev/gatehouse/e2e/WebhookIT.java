package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Notifications: the gateway POSTs each request event and decision as signed JSON to a webhook,
 * here a JDK HTTP server on 127.0.0.1 that the test runs. Its first delivery is answered 503, so
 * the retry is exercised as well.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookIT {
    private static final String SECRET_ENV = "GATEHOUSE_E2E_HOOK_SECRET";

    /** One POST as the server received it. */
    record Delivery(String method, String path, Map<String, List<String>> headers, byte[] body, int answered) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst().orElse("");
        }

        JsonNode json() {
            return Json.parse(new String(body, UTF_8));
        }
    }

    private final String secret = "hook-secret-" + Keys.token() + Keys.token();
    private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
    private final List<Delivery> all = new CopyOnWriteArrayList<>();
    private final AtomicBoolean refusedOnce = new AtomicBoolean();
    private HttpServer server;
    private NodeSshd node;
    private Gateway gw;

    @BeforeAll
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            int status = refusedOnce.compareAndSet(false, true) ? 503 : 204;
            Delivery d = new Delivery(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    Map.copyOf(exchange.getRequestHeaders()), body, status);
            all.add(d);
            deliveries.add(d);
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        node = NodeSshd.start();
        gw = Gateway.start(node, Elevations.options(false)
                .config(String.join("\n", "elevation:", "  webhook:", "    url: " + url, "    timeout: 5s", "    attempts: 3",
                        "    secret_env: " + SECRET_ENV))
                .env(SECRET_ENV, secret));
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (node != null) {
            node.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    private Delivery next(String event) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try {
            while (System.nanoTime() < deadline) {
                Delivery d = deliveries.poll(200, TimeUnit.MILLISECONDS);
                if (d != null && d.answered() / 100 == 2 && event.equals(Json.text(d.json(), "event"))) {
                    return d;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        throw new AssertionError("no delivered '" + event + "' webhook within 20 s");
    }

    private String hmac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Threat: a forged notification (say, "approved") reaches the team's chat as if the gateway sent it. */
    @Test
    void requestAndApprovalArePostedAsSignedJsonAndRetriedAfterAFailure() {
        String id = Elevations.request(gw, gw.alice(), ELEVATED, "30m");
        Delivery created = next("request.created");
        Elevations.approve(gw, gw.user("bob"), id).requireSuccess();
        Delivery active = next("grant.active");

        for (Delivery d : List.of(created, active)) {
            assertThat(d.method()).isEqualTo("POST");
            assertThat(d.path()).isEqualTo("/hook");
            assertThat(d.header("Content-Type")).startsWith("application/json");
            assertThat(d.header("X-Gatehouse-Signature")).as("HMAC-SHA256 of the body with the shared secret")
                    .isEqualTo(hmac(d.body()));
            assertThat(Json.text(d.json(), "request")).isEqualTo(id);
            assertThat(Json.text(d.json(), "requester")).isEqualTo("alice");
            assertThat(Json.text(d.json(), "login")).isEqualTo(Accounts.MLOPS);
            assertThat(Json.text(d.json(), "target")).isEqualTo(Gateway.NODE);
            assertThat(Json.text(d.json(), "time")).isNotEmpty();
        }
        assertThat(Json.text(created.json(), "state")).isEqualTo("pending");
        assertThat(Json.text(created.json(), "actor")).isEqualTo("alice");
        assertThat(Json.text(active.json(), "state")).isEqualTo("active");
        assertThat(Json.text(active.json(), "actor")).isEqualTo("bob");

        // the very first POST was answered 503; the same delivery (id and body) came again
        Delivery refused = all.get(0);
        assertThat(refused.answered()).isEqualTo(503);
        assertThat(created.header("X-Gatehouse-Delivery")).isNotEmpty().isEqualTo(refused.header("X-Gatehouse-Delivery"));
        assertThat(created.body()).isEqualTo(refused.body());

        assertThat(hmac("tampered".getBytes(UTF_8))).as("the check above can fail").isNotEqualTo(created.header("X-Gatehouse-Signature"));
        gw.shell(gw.user("bob"), "revoke " + id).requireSuccess();
        assertThat(Json.text(next("grant.revoked").json(), "actor")).isEqualTo("bob");
        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as(verify.describe()).isZero();
    }
}
