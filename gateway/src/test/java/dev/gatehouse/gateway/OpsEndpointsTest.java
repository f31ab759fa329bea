package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.gateway.ops.PrometheusText;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoredEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operations listener of a whole in-process gateway: {@code /metrics}, {@code /healthz}, {@code /readyz}. */
class OpsEndpointsTest {
    @TempDir
    Path dir;
    private TestNode node;
    private InProcessGateway gw;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws IOException {
        node = TestNode.accepting();
        gw = InProcessGateway.start(dir, Policies.engineer(node.port(), node.hostKeyLine()), "alice");
    }

    @AfterEach
    void stop() throws IOException {
        gw.close();
        node.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + gw.gateway().opsAddress().orElseThrow().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<PrometheusText.Sample> scrape() throws Exception {
        HttpResponse<String> r = send("GET", "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("text/plain; version=0.0.4; charset=utf-8");
        return PrometheusText.parse(r.body());
    }

    private static double value(List<PrometheusText.Sample> samples, String name, String... labels) {
        return samples.stream().filter(s -> s.name().equals(name))
                .filter(s -> {
                    for (int i = 0; i < labels.length; i += 2) {
                        if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                            return false;
                        }
                    }
                    return true;
                }).mapToDouble(PrometheusText.Sample::value).sum();
    }

    /**
     * Threat: a scrape (readable by anyone who reaches the ops port, kept by monitoring for
     * months) would tell who connected where: labels must never carry user, login, node, session
     * or certificate ids.
     */
    @Test
    void metricsParseCountTheSessionAndCarryNoIdentities() throws Exception {
        InProcessGateway.Result r = gw.exec(gw.connect("alice", "aiops@gpu-node-1"), "hostname");
        assertThat(r.status()).as(r.stderr()).isZero();
        var store = gw.gateway().services().audit().store();
        await().atMost(Duration.ofSeconds(10)).until(() -> !store.events(new EventQuery("session.end", null, null, null, 10)).isEmpty());

        List<PrometheusText.Sample> samples = scrape();
        assertThat(samples.stream().map(PrometheusText.Sample::name)).allMatch(n -> n.startsWith("gatehouse_"));
        assertThat(value(samples, "gatehouse_connections_total", "protocol", "ssh", "outcome", "accepted")).isGreaterThanOrEqualTo(1);
        assertThat(value(samples, "gatehouse_authentications_total", "protocol", "ssh", "outcome", "success")).isGreaterThanOrEqualTo(1);
        assertThat(value(samples, "gatehouse_certificates_issued_total", "kind", "ssh-session")).isEqualTo(1);
        assertThat(value(samples, "gatehouse_upstream_connect_seconds_count", "outcome", "success")).isEqualTo(1);
        assertThat(value(samples, "gatehouse_upstream_connect_seconds_bucket", "outcome", "success", "le", "+Inf")).isEqualTo(1);
        assertThat(value(samples, "gatehouse_audit_append_seconds_count", "outcome", "stored")).isGreaterThanOrEqualTo(5);
        assertThat(value(samples, "gatehouse_audit_events_total", "type", "session.start")).isEqualTo(1);
        assertThat(value(samples, "gatehouse_audit_store_healthy")).isEqualTo(1);
        assertThat(value(samples, "gatehouse_requests_pending")).isZero();
        assertThat(value(samples, "gatehouse_sessions_live", "kind", "exec")).isZero();
        assertThat(samples).anySatisfy(s -> assertThat(s.name()).isEqualTo("gatehouse_audit_queue_depth"));
        assertThat(samples).anySatisfy(s -> assertThat(s.name()).isEqualTo("gatehouse_audit_queue_held_bytes"));
        assertThat(value(samples, "gatehouse_audit_checkpoint_age_seconds")).isBetween(0.0, 3600.0);
        assertThat(samples).anySatisfy(s -> assertThat(s.name()).startsWith("gatehouse_jvm_memory_used_bytes"));

        Set<String> ids = new HashSet<>(Set.of("alice", "aiops", "gpu-node-1", "127.0.0.1"));
        for (StoredEvent e : store.events(EventQuery.all())) {
            if (e.event().sessionId() != null) {
                ids.add(e.event().sessionId());
            }
            if (e.event().certSerial() != null) {
                ids.add(Long.toUnsignedString(e.event().certSerial()));
            }
        }
        assertThat(ids).hasSizeGreaterThan(5);
        Set<String> labelValues = samples.stream().flatMap(s -> s.labels().values().stream()).collect(Collectors.toSet());
        for (String id : ids) {
            assertThat(labelValues).as("no label value holds " + id).noneMatch(v -> v.contains(id));
        }
    }

    @Test
    void httpsConnectionsAreCountedWithoutIdentities() throws Exception {
        assertThat(value(scrape(), "gatehouse_connections_total", "protocol", "web", "outcome", "accepted")).isZero();
        int port = gw.gateway().webAddress().orElseThrow().getPort();
        javax.net.ssl.SSLContext tls = gw.tlsClient(null);
        for (int i = 0; i < 2; i++) {
            dev.gatehouse.gateway.web.Https1.get(tls, port, "localhost", "localhost", "/", null);
        }
        List<PrometheusText.Sample> samples = scrape();
        assertThat(value(samples, "gatehouse_connections_total", "protocol", "web", "outcome", "accepted")).isEqualTo(2);
        assertThat(samples.stream().filter(s -> s.name().equals("gatehouse_connections_total")))
                .allSatisfy(s -> assertThat(s.labels().keySet()).containsExactlyInAnyOrder("protocol", "outcome"));
    }

    @Test
    void liveSessionsAreCountedByKindWhileOpen() throws Exception {
        // the node's exec "wait" runs until its channel closes; the gateway shell until it is closed
        try (var session = gw.connect("alice", "aiops@gpu-node-1"); var exec = session.createExecChannel("wait");
                InProcessGateway.Shell shell = gw.shell("alice", true)) {
            exec.open().verify(Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                List<PrometheusText.Sample> s = scrape();
                return value(s, "gatehouse_sessions_live", "kind", "exec") == 1
                        && value(s, "gatehouse_sessions_live", "kind", "gateway-shell") == 1;
            });
            shell.session.close(true);
        }
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> value(scrape(), "gatehouse_sessions_live", "kind", "exec") == 0
                    && value(scrape(), "gatehouse_sessions_live", "kind", "gateway-shell") == 0);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(scrape().stream().filter(x -> x.name().contains("live")).toList() + " registry: "
                    + gw.gateway().services().sessions().all().stream().map(x -> x.kindName() + " " + x.id()).toList(), e);
        }
    }

    @Test
    void healthAndReadinessAnswerWhileAllIsWell() throws Exception {
        HttpResponse<String> health = send("GET", "/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).isEqualTo("ok\n");
        HttpResponse<String> ready = send("GET", "/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ready\n");
        assertThat(send("HEAD", "/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    void unknownPathsAre404AndOtherMethods405() throws Exception {
        assertThat(send("GET", "/").statusCode()).isEqualTo(404);
        assertThat(send("GET", "/metrics/../api").statusCode()).isEqualTo(404);
        HttpResponse<String> post = send("POST", "/metrics");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).contains("GET, HEAD");
        assertThat(send("DELETE", "/readyz").statusCode()).isEqualTo(405);
    }

    /** Sends {@code request} on a plain socket to the ops listener; returns all it answered until it closed. */
    private String raw(String request) throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.gateway().opsAddress().orElseThrow().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Threat: DNS rebinding. A page at evil.example in a browser on the gateway host re-resolves
     * its name to 127.0.0.1 and reads /metrics as its own origin (sessions, activity, certificate
     * rates): the gateway as configured refuses its Host with 421 and no metric, and still serves
     * IP literals, localhost and the name listed in ops.hosts.
     */
    @Test
    void theGatewaysOpsListenerRefusesARebindingHostAndServesItsOwnNames() throws Exception {
        gw.exec(gw.connect("alice", "aiops@gpu-node-1"), "hostname");
        String refused = raw("GET /metrics HTTP/1.1\r\nHost: evil.example:9464\r\nOrigin: http://evil.example:9464\r\n\r\n");
        assertThat(refused).startsWith("HTTP/1.1 421 Misdirected Request\r\n").doesNotContain("gatehouse_")
                .containsIgnoringCase("cache-control: no-store").containsIgnoringCase("x-content-type-options: nosniff");
        for (String host : List.of("127.0.0.1:9464", "[::1]:9464", "localhost", InProcessGateway.OPS_NAME + ":9464")) {
            String served = raw("GET /metrics HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
            assertThat(served).as(host).startsWith("HTTP/1.1 200 OK\r\n").contains("gatehouse_certificates_issued_total");
        }
        assertThat(raw("GET /readyz HTTP/1.0\r\n\r\n")).as("HAProxy's httpchk").startsWith("HTTP/1.1 200 ").endsWith("ready\n");
    }

    /**
     * Threat: a load balancer keeps sending new sessions to a gateway whose audit store refuses
     * writes (they would all be refused, R15); {@code /readyz} must say so while it lasts, and
     * recover with the store.
     */
    @Test
    void readinessFlipsTo503WhileTheStoreRefusesWritesAndBackAfter() throws Exception {
        Path db = dir.resolve("data/audit.db");
        try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + db); Statement sql = holder.createStatement()) {
            // another process takes the database's write lock and keeps it: every commit of the gateway now fails
            sql.execute("BEGIN IMMEDIATE");
            var audit = gw.gateway().services().audit();
            audit.append(audit.event("config.reload", "info").with("test", "write while locked"));
            await().atMost(Duration.ofSeconds(60)).until(() -> send("GET", "/readyz").statusCode() == 503);
            HttpResponse<String> ready = send("GET", "/readyz");
            assertThat(ready.body()).isEqualTo("not ready: the audit store is not taking writes\n");
            assertThat(value(scrape(), "gatehouse_audit_store_healthy")).isZero();
            assertThat(send("GET", "/healthz").statusCode()).as("the process is up all the same").isEqualTo(200);
            sql.execute("ROLLBACK");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> send("GET", "/readyz").statusCode() == 200);
        assertThat(value(scrape(), "gatehouse_audit_store_healthy")).isEqualTo(1);
    }
}
