package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operations side against real parts: {@code /metrics} of the running gateway jar parsed by
 * the Prometheus project's own text-format parser (python3-prometheus-client), and the audit
 * push sink delivering to a real rsyslog, resuming after a gateway restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsIT extends GatewayTest {
    private Rsyslog rsyslog;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Override
    Gateway.Options options() {
        rsyslog = Rsyslog.start();
        return new Gateway.Options().config(String.join("\n",
                "audit:",
                "  syslog:",
                "    host: 127.0.0.1",
                "    port: " + rsyslog.port(),
                "    facility: local4"));
    }

    @AfterAll
    void stopRsyslog() {
        if (rsyslog != null) {
            rsyslog.close();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.opsPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(1)
    void metricsParseWithThePrometheusParserAndHealthAnswers() throws Exception {
        assertThat(gw.ssh(gw.alice(), Gateway.TARGET, "true").exit()).isZero();
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        // the Prometheus project's parser (Debian's python3-prometheus-client): every family name, one a line
        Proc.Result parsed = Proc.run(List.of("/usr/bin/python3", "-c", String.join("\n",
                "import sys",
                "from prometheus_client.parser import text_string_to_metric_families as parse",
                "for f in parse(sys.stdin.read()):",
                "    for s in f.samples:",
                "        print(s.name, ','.join(k + '=' + v for k, v in sorted(s.labels.items())), s.value)")),
                metrics.body().getBytes(StandardCharsets.UTF_8), Map.of(), Duration.ofSeconds(30));
        assertThat(parsed.exit()).as(parsed.describe()).isZero();
        List<String> samples = parsed.stdout().lines().toList();
        assertThat(samples).isNotEmpty().allMatch(l -> l.startsWith("gatehouse_"));
        assertThat(samples).anyMatch(l -> l.startsWith("gatehouse_authentications_total outcome=success,protocol=ssh "))
                .anyMatch(l -> l.startsWith("gatehouse_certificates_issued_total kind=ssh-session "))
                .anyMatch(l -> l.startsWith("gatehouse_upstream_connect_seconds_bucket le=+Inf,outcome=success "))
                .anyMatch(l -> l.startsWith("gatehouse_audit_store_healthy  1.0"));
        // Threat: labels disclosing who connected to what
        assertThat(samples).noneMatch(l -> l.contains("alice") || l.contains(Gateway.NODE) || l.contains("aiops"));
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        assertThat(get("/readyz").body()).isEqualTo("ready\n");
        assertThat(get("/metrics/x").statusCode()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void everyAuditEventReachesRsyslogAndDeliveryResumesAfterARestart() {
        assertThat(gw.ssh(gw.alice(), Gateway.TARGET, "echo one").exit()).isZero();
        String chain = gw.awaitEvent("session.end", Json.type("session.end")).path("chain").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> rsyslog.messages().stream()
                .anyMatch(m -> m.type().equals("session.end")));
        assertThat(gw.stop()).isZero();
        long before = maxSeq(chain);

        // events written while the gateway is down are none; the restart's own events and a new session must follow
        gw.restart();
        assertThat(gw.ssh(gw.alice(), Gateway.TARGET, "echo two").exit()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> rsyslog.messages().stream()
                .filter(m -> m.type().equals("session.end")).count() >= 3);
        long last = maxSeq(chain);
        assertThat(last).isGreaterThan(before);
        Set<Long> seqs = rsyslog.messages().stream().filter(m -> m.chain().equals(chain)).map(Rsyslog.Message::seq)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<Long> all = new TreeSet<>();
        for (long s = 1; s <= last; s++) {
            all.add(s);
        }
        assertThat(seqs).as("every event of the chain, 1.." + last + ", at least once:\n" + rsyslog.raw()).containsAll(all);
        assertThat(rsyslog.messages()).as("gateway.stop was delivered after the restart at the latest")
                .anyMatch(m -> m.type().equals("gateway.stop"));
        assertThat(gw.dataDir().resolve("audit-syslog.cursor")).exists();
    }

    private long maxSeq(String chain) {
        return rsyslog.messages().stream().filter(m -> m.chain().equals(chain)).mapToLong(Rsyslog.Message::seq).max().orElse(0);
    }
}
