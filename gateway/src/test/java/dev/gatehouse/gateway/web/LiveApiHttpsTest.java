package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.gateway.access.LiveSessions;
import dev.gatehouse.gateway.session.FakeLiveShell;
import dev.gatehouse.gateway.web.console.ApiRoutes;
import dev.gatehouse.gateway.web.console.ConsoleModule;
import dev.gatehouse.gateway.web.console.LiveApi;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /api/v1/live} over the real HTTPS listener and the console's front controller
 * ({@link ConsoleHarness}): listing with an api-token, terminating with the console cookie and its
 * CSRF token, observing as a server-sent event stream read line by line as it arrives. The live
 * session is a stand-in in the one registry (the SSH path itself is {@code LiveSessionsTest}'s).
 * Threat: another tenant's admin, or a user without the permission, lists, stops or watches a
 * session; an observe stream is buffered instead of delivered live.
 */
class LiveApiHttpsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ConsoleHarness h;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final FakeShell shell = new FakeShell();

    @BeforeEach
    void start() throws Exception {
        // the module needs the harness's services, which exist only once it is built: route through a table filled after
        ApiRoutes live = new ApiRoutes();
        ConsoleModule deferred = routes -> {
            for (String[] r : new String[][] {{"GET", "/api/v1/live"}, {"POST", "/api/v1/live/{id}/terminate"},
                    {"GET", "/api/v1/live/{id}/observe"}, {"POST", "/api/v1/sessions/{id}/terminate"}}) {
                routes.add(r[0], r[1], req -> live.match(req.method().equals("HEAD") ? "GET" : req.method(), req.path()).orElseThrow().endpoint().handle(req));
            }
        };
        h = new ConsoleHarness(dir, deferred);
        new LiveApi(new LiveSessions(h.holder, h.audit, h.registry), h.clock, h.pool, timer).register(live);
        h.registry.add(shell);
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
        h.close();
    }

    @Test
    void anAdminListsWithATokenAndOtherTenantsAndEngineersSeeNothing() throws Exception {
        HttpResponse<String> list = h.send(h.request("/api/v1/live").header("Authorization", "Bearer " + token("erin")));
        assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
        assertThat(list.headers().firstValue("cache-control")).contains("no-store");
        JsonNode item = JSON.readTree(list.body()).get("items").get(0);
        assertThat(item.get("id").asText()).isEqualTo(FakeShell.ID);
        assertThat(item.get("bytes_out").asLong()).isEqualTo(4096);
        assertThat(JSON.readTree(list.body()).get("next").isNull()).isTrue();

        HttpResponse<String> zed = h.send(h.request("/api/v1/live").header("Authorization", "Bearer " + token("zed")));
        assertThat(JSON.readTree(zed.body()).get("items")).isEmpty();
        HttpResponse<String> alice = h.send(h.request("/api/v1/live").header("Authorization", "Bearer " + token("alice")));
        assertThat(alice.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(alice.body()).get("error").asText()).isEqualTo("forbidden");
        HttpResponse<String> watch = h.send(h.request("/api/v1/live/" + FakeShell.ID + "/observe")
                .header("Authorization", "Bearer " + token("zed")));
        assertThat(watch.statusCode()).isEqualTo(404);
        assertThat(shell.observers).isEmpty();
    }

    @Test
    void anAdminTerminatesFromTheConsoleWithCookieAndCsrfToken() throws Exception {
        String cookie = h.cookie("erin");
        String csrf = JSON.readTree(h.send(h.request("/api/v1/whoami").header("Cookie", cookie)).body()).get("csrf_token").asText();
        HttpResponse<String> foreign = h.send(h.request("/api/v1/live/" + FakeShell.ID + "/terminate")
                .header("Authorization", "Bearer " + token("zed")).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"reason\": \"mine now\"}")));
        assertThat(foreign.statusCode()).isEqualTo(404);

        HttpResponse<String> done = h.send(h.request("/api/v1/live/" + FakeShell.ID + "/terminate").header("Cookie", cookie)
                .header("Origin", h.origin()).header("X-CSRF-Token", csrf).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"reason\": \"stuck job\"}")));
        assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
        assertThat(JSON.readTree(done.body()).get("terminated_by").asText()).isEqualTo("erin");
        assertThat(shell.terminated).containsExactly("session terminated by erin: stuck job");
        // the same action under the name DESIGN.md's contract gives it
        HttpResponse<String> contractName = h.send(h.request("/api/v1/sessions/" + FakeShell.ID + "/terminate")
                .header("Authorization", "Bearer " + token("erin")).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("{\"reason\": \"again\"}")));
        assertThat(contractName.statusCode()).as(contractName.body()).isEqualTo(200);
        assertThat(shell.terminated).containsExactly("session terminated by erin: stuck job", "session terminated by erin: again");
        assertThat(h.events("session.terminated")).first().satisfies(e -> {
            assertThat(e.user()).isEqualTo("erin");
            assertThat(e.details()).containsEntry("via", "cookie").containsEntry("reason", "stuck job");
        });
    }

    @Test
    void observeStreamsEventsAsTheyHappen() throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> r = h.client.send(h.request("/api/v1/live/" + FakeShell.ID + "/observe")
                .header("Authorization", "Bearer " + token("erin")).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        Thread reader = new Thread(() -> r.body().forEach(lines::add), "sse-reader");
        reader.setDaemon(true);
        reader.start();

        assertThat(ConsoleHarness.nextLine(lines)).isEqualTo("event: header");
        assertThat(ConsoleHarness.nextLine(lines)).startsWith("data: {\"version\":2,\"width\":80,\"height\":24,");
        assertThat(ConsoleHarness.nextLine(lines)).isEmpty();
        // nothing more arrives until the session writes: each event is sent when it happens
        assertThat(lines.poll(200, TimeUnit.MILLISECONDS)).isNull();
        shell.write("nvidia-smi\r\n");
        assertThat(ConsoleHarness.nextLine(lines)).isEqualTo("event: output");
        assertThat(ConsoleHarness.nextLine(lines)).isEqualTo("data: [0.000000,\"o\",\"nvidia-smi\\r\\n\"]");
        assertThat(ConsoleHarness.nextLine(lines)).isEmpty();

        shell.end();
        assertThat(ConsoleHarness.nextLine(lines)).isEqualTo("event: end");
        assertThat(ConsoleHarness.nextLine(lines)).isEqualTo("data: {\"reason\":\"the session ended\"}");
        reader.join(10_000);
        assertThat(reader.isAlive()).as("the response ended after the end event").isFalse();
        assertThat(h.events("session.observe")).extracting(e -> e.details().get("step")).containsExactly("start", "end");
    }

    @Test
    void aSessionTakesAtMostMaxObserversAndMoreAre409AndAudited() throws Exception {
        // threat: an auditor's token (or a stolen one) opens observe streams without bound on one shell: each may queue
        // up to 1 MiB of output in the gateway and prints a notice on the user's terminal; the gateway runs out of memory
        String erin = token("erin");
        List<HttpResponse<Stream<String>>> open = new java.util.ArrayList<>();
        for (int i = 0; i < LiveSessions.MAX_OBSERVERS; i++) {
            HttpResponse<Stream<String>> r = h.client.send(h.request("/api/v1/live/" + FakeShell.ID + "/observe")
                    .header("Authorization", "Bearer " + erin).build(), HttpResponse.BodyHandlers.ofLines());
            assertThat(r.statusCode()).isEqualTo(200);
            open.add(r);
        }
        // read as lines: without the bound the answer would be one more endless stream
        HttpResponse<Stream<String>> more = h.client.send(h.request("/api/v1/live/" + FakeShell.ID + "/observe")
                .header("Authorization", "Bearer " + erin).build(), HttpResponse.BodyHandlers.ofLines());
        open.add(more);
        assertThat(more.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(more.body().collect(java.util.stream.Collectors.joining("\n"))).get("message").asText())
                .contains("observers");
        assertThat(shell.observers).hasSize(LiveSessions.MAX_OBSERVERS);
        assertThat(h.events("observe.refused")).isNotEmpty();
        shell.end();
        open.forEach(r -> r.body().close());
    }

    @Test
    void headOnObserveStartsNoObservation() throws Exception {
        // threat: HEAD is served as GET, so a HEAD on observe would start an audited observation whose stream the
        // client never sees (a HEAD answer has no body), telling the user someone watches while it holds a 1 MiB queue
        HttpResponse<String> head = h.send(h.request("/api/v1/live/" + FakeShell.ID + "/observe")
                .header("Authorization", "Bearer " + token("erin")).method("HEAD", BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(405);
        assertThat(shell.observers).isEmpty();
        assertThat(h.events("session.observe")).isEmpty();
    }

    private String token(String user) {
        return h.token(user, Duration.ofHours(1)).jwt();
    }

    /** A live shell of alice's on team-a's node, whose output the test writes. */
    private static final class FakeShell extends FakeLiveShell {
        static final String ID = "01m8livetest0000000000000";

        FakeShell() {
            super(ID, Instant.parse("2026-11-29T11:59:00Z"));
        }
    }
}
