package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.gateway.web.console.ApiRoutes;
import dev.gatehouse.gateway.web.console.ConsoleModule;
import dev.gatehouse.gateway.web.console.RecordsApi;
import dev.gatehouse.pki.JwsVerifier;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.RecorderOptions;
import dev.gatehouse.recorder.Recording;
import dev.gatehouse.recorder.RecordingInfo;
import dev.gatehouse.recorder.RecordingSummary;
import dev.gatehouse.recorder.SessionRecorder;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The records endpoints through the console's real HTTPS listener and front controller
 * ({@link ConsoleHarness}: erin is an admin of team-a, zed of team-b, alice has no permission):
 * cookie and api-token callers, status codes and JSON errors, media types, the download header.
 */
class RecordsOverListenerTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    ConsoleHarness h;

    @BeforeEach
    void setUp() throws Exception {
        // The harness builds its store inside its constructor: the module is made from it on first use.
        AtomicReference<ConsoleHarness> harness = new AtomicReference<>();
        AtomicReference<ApiRoutes> real = new AtomicReference<>();
        ConsoleModule records = routes -> {
            for (String[] r : List.of(new String[] {"GET", "/api/v1/sessions"}, new String[] {"GET", "/api/v1/sessions/{id}"},
                    new String[] {"GET", "/api/v1/sessions/{id}/recording"}, new String[] {"GET", "/api/v1/audit/events"},
                    new String[] {"POST", "/api/v1/audit/verify"}, new String[] {"GET", "/api/v1/audit/witness"})) {
                routes.add(r[0], r[1], req -> real.updateAndGet(cur -> {
                    if (cur != null) {
                        return cur;
                    }
                    ConsoleHarness x = harness.get();
                    ApiRoutes built = new ApiRoutes();
                    new RecordsApi(x.audit, x.holder, List.of(), JwsVerifier.es256(dev.gatehouse.gateway.web.TestTls.ec().getPublic()),
                            id -> false).register(built);
                    return built;
                }).match(req.method().equals("HEAD") ? "GET" : req.method(), req.path()).orElseThrow().endpoint().handle(req));
            }
        };
        h = new ConsoleHarness(dir, records);
        harness.set(h);
        recordedShell("a-1", "alice", "gpu-node-1");
        recordedShell("b-1", "zed", "cpu-node-9");
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    void recordedShell(String id, String user, String node) {
        Recording rec = SessionRecorder.create(h.store, RecorderOptions.defaults(h.clock))
                .start(new RecordingInfo(id, "shell", null, "xterm", 80, 24, h.clock.instant(), id));
        h.audit.append(h.audit.event("session.start", "success").withUser(user).withTarget(node, "aiops").withSessionId(id)
                .with("kind", "shell"));
        byte[] b = ("aiops@" + node + ":~$ hostname\r\n" + node + "\r\n").getBytes(StandardCharsets.UTF_8);
        rec.output(b, 0, b.length);
        RecordingSummary s = rec.finish();
        h.store.flush();
        h.audit.append(h.audit.event("session.end", "success").withUser(user).withTarget(node, "aiops").withSessionId(id)
                .with("recording_hash", s.finalHash()));
        h.store.flush();
    }

    HttpResponse<String> get(String auth, String path) throws Exception {
        var b = h.request(path);
        if (auth.startsWith("__Host-")) {
            b.header("Cookie", auth);
        } else {
            b.header("Authorization", "Bearer " + auth);
        }
        return h.send(b.GET());
    }

    @Test
    void anAdminSearchesTheirTenantsSessionsWithTheCookie() throws Exception {
        HttpResponse<String> r = get(h.cookie("erin"), "/api/v1/sessions?q=hostname&kind=shell");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("cache-control")).contains("no-store");
        JsonNode page = JSON.readTree(r.body());
        assertThat(page.get("items")).hasSize(1);
        assertThat(page.get("items").get(0).get("id").asText()).isEqualTo("a-1");
        assertThat(page.get("next").isNull()).isTrue();
    }

    /** Threat: an admin of team-b reads team-a's session or recording by guessing its id. */
    @Test
    void anotherTenantsSessionIsA404AsIfItDidNotExist() throws Exception {
        String zed = h.cookie("zed");
        for (String path : List.of("/api/v1/sessions/a-1", "/api/v1/sessions/a-1/recording")) {
            HttpResponse<String> r = get(zed, path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("not_found");
        }
        assertThat(JSON.readTree(get(zed, "/api/v1/sessions").body()).get("items").get(0).get("id").asText())
                .isEqualTo("b-1");
        assertThat(h.events("recording.viewed")).isEmpty();
    }

    @Test
    void withoutAuditOrAdminEveryRecordsEndpointIsA403() throws Exception {
        String alice = h.cookie("alice");
        for (String path : List.of("/api/v1/sessions", "/api/v1/sessions/a-1/recording", "/api/v1/audit/events?after=0")) {
            HttpResponse<String> r = get(alice, path);
            assertThat(r.statusCode()).as(path).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("forbidden");
        }
    }

    @Test
    void aRecordingDownloadsWithAnApiTokenAndTheViewIsAudited() throws Exception {
        String token = h.token("erin", Duration.ofHours(1)).jwt();
        HttpResponse<String> r = get(token, "/api/v1/sessions/a-1/recording?download=1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/x-asciicast"));
        assertThat(r.headers().firstValue("content-disposition")).contains("attachment; filename=\"session-a-1.cast\"");
        String[] lines = r.body().split("\n");
        assertThat(JSON.readTree(lines[0]).get("version").asInt()).isEqualTo(2);
        assertThat(r.body()).contains("hostname");
        List<AuditEvent> views = h.events("recording.viewed");
        assertThat(views).singleElement().satisfies(v -> {
            assertThat(v.user()).isEqualTo("erin");
            assertThat(v.sessionId()).isEqualTo("a-1");
            assertThat(v.details()).containsEntry("via", "token").containsEntry("download", "true");
        });
    }

    @Test
    void theJsonLinesExportIsNdjsonAndBadInputIsA400() throws Exception {
        String token = h.token("erin", Duration.ofHours(1)).jwt();
        HttpResponse<String> r = get(token, "/api/v1/audit/events?after=0&limit=2");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/x-ndjson"));
        String[] lines = r.body().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines[0]);
        JsonNode second = JSON.readTree(lines[1]);
        assertThat(second.get("seq").asLong()).isGreaterThan(first.get("seq").asLong());
        assertThat(first.get("chain").asText()).isEqualTo("gw-0000000000000001");
        assertThat(first.has("prev_hash")).isTrue();
        HttpResponse<String> accepted = h.send(h.request("/api/v1/audit/events?limit=1").header("Authorization", "Bearer " + token)
                .header("Accept", "application/x-ndjson").GET());
        assertThat(accepted.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/x-ndjson"));
        assertThat(accepted.body().split("\n")).hasSize(1);
        assertThat(JSON.readTree(accepted.body()).get("seq").asLong()).isEqualTo(1);
        HttpResponse<String> bad = get(token, "/api/v1/sessions?limit=9999");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).get("error").asText()).isEqualTo("bad_request");
    }

    @Test
    void verifyFromATenantsAdminIsRefusedAndAPostWithoutCsrfNeverRuns() throws Exception {
        String token = h.token("erin", Duration.ofHours(1)).jwt();
        HttpResponse<String> r = h.send(h.request("/api/v1/audit/verify").header("Authorization", "Bearer " + token)
                .POST(BodyPublishers.noBody()));
        assertThat(r.statusCode()).isEqualTo(403);
        HttpResponse<String> noCsrf = h.send(h.request("/api/v1/audit/verify").header("Cookie", h.cookie("erin"))
                .header("Origin", h.origin()).POST(BodyPublishers.noBody()));
        assertThat(noCsrf.statusCode()).isEqualTo(403);
        assertThat(h.events("audit.verified")).isEmpty();
    }

    /**
     * Threat: the app hosts ({@code APP--NODE.apps.HOST}) share the console's site, so a page an app
     * serves (a notebook another user wrote) makes an auditor's browser send the SameSite=Strict
     * console cookie with a GET that has an effect: a {@code recording.viewed} the auditor never
     * made (or an observation their user is told about). The browser names such requests with
     * {@code Sec-Fetch-Site} (or a foreign {@code Origin}); they are refused and audited.
     */
    @Test
    void anAppPageCannotMakeTheBrowserCallTheApiWithTheConsoleCookie() throws Exception {
        String erin = h.cookie("erin");
        String app = "https://jupyter--gpu-node-1.apps." + ConsoleHarness.HOST + ":" + h.port;
        List<HttpResponse<String>> refused = List.of(
                h.send(h.request("/api/v1/sessions/a-1/recording").header("Cookie", erin).header("Sec-Fetch-Site", "same-site").GET()),
                h.send(h.request("/api/v1/sessions/a-1/recording").header("Cookie", erin).header("Sec-Fetch-Site", "cross-site").GET()),
                h.send(h.request("/api/v1/sessions/a-1/recording").header("Cookie", erin).header("Origin", app).GET()),
                h.send(h.request("/api/v1/sessions/a-1/recording").header("Cookie", erin).header("Origin", "null").GET()));
        for (HttpResponse<String> r : refused) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("forbidden");
        }
        assertThat(h.events("recording.viewed")).as("no view happened").isEmpty();
        assertThat(h.events("api.refused")).hasSize(4).allSatisfy(e -> assertThat(e.user()).isEqualTo("erin"))
                .extracting(e -> e.details().get("check")).containsExactly("fetch-site", "fetch-site", "origin", "origin");
        // the console's own page (same-origin) and an address typed into the browser (none) still work
        for (String site : List.of("same-origin", "none")) {
            HttpResponse<String> ok = h.send(h.request("/api/v1/sessions/a-1/recording").header("Cookie", erin)
                    .header("Sec-Fetch-Site", site).GET());
            assertThat(ok.statusCode()).as(site).isEqualTo(200);
        }
        assertThat(h.events("recording.viewed")).hasSize(2);
    }

    /** Threat: HEAD runs as GET, so it audited a recording.viewed for a recording no one received. */
    @Test
    void headOnARecordingIs405AndViewsNothing() throws Exception {
        String token = h.token("erin", Duration.ofHours(1)).jwt();
        HttpResponse<String> head = h.send(h.request("/api/v1/sessions/a-1/recording").header("Authorization", "Bearer " + token)
                .method("HEAD", BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(405);
        assertThat(h.events("recording.viewed")).isEmpty();
        assertThat(get(token, "/api/v1/sessions/a-1/recording").statusCode()).isEqualTo(200);
        assertThat(h.events("recording.viewed")).hasSize(1);
    }
}
