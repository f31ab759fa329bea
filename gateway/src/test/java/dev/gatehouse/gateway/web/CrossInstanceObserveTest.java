package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.gateway.access.LiveDirectory;
import dev.gatehouse.gateway.access.LiveSessions;
import dev.gatehouse.gateway.session.FakeLiveShell;
import dev.gatehouse.gateway.web.console.ApiRoutes;
import dev.gatehouse.gateway.web.console.ConsoleModule;
import dev.gatehouse.gateway.web.console.InstanceRelay;
import dev.gatehouse.gateway.web.console.InstanceTokens;
import dev.gatehouse.gateway.web.console.LiveApi;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.ChangeFeed;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Observing a live session that runs on another instance (issue 13): two instances in one process,
 * each with its own chain, HTTPS listener, console front controller, registry and directory, on one
 * PostgreSQL database (a fresh schema of the machine's 127.0.0.1:5432), sharing the API-token key,
 * the TLS CA and the users' keys as instances sharing {@code data/keys/} do. The viewer calls
 * instance A; the session is a stand-in in B's registry.
 *
 * <p>Threats: anybody who reaches B's HTTPS port calls the internal path (with a cookie, an
 * api-token, a forged, expired or replayed instance token) and watches a shell without B's policy
 * judging them; A's policy lets through a viewer B's refuses; a viewer on A is not seen by the user
 * on B or in either audit chain; a dead instance's session is shown as observable.
 */
class CrossInstanceObserveTest {
    static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final FakeShell shell = new FakeShell();
    private ConsoleHarness.Fleet fleet;
    private Instance a;
    private Instance b;

    /** One instance: harness (store, HTTPS front, console), directory and live API with cross-instance observe. */
    private final class Instance {
        final ConsoleHarness h;
        final LiveDirectory directory;

        Instance(String chain, String name, UnaryOperator<String> policyEdit) throws Exception {
            ApiRoutes live = new ApiRoutes();
            ConsoleModule deferred = routes -> {
                for (String path : List.of("/api/v1/live", "/api/v1/live/{id}/observe", "/internal/v1/live/{id}/observe")) {
                    routes.add("GET", path, req -> live.match("GET", req.path()).orElseThrow().endpoint().handle(req));
                }
            };
            h = new ConsoleHarness(dir.resolve(name), fleet, chain, policyEdit, deferred);
            ChangeFeed feed = ChangeFeed.polling(Duration.ofMillis(50));
            directory = new LiveDirectory(h.store.instanceRegistry(), h.registry, h.audit, feed, h.clock, chain, name,
                    Duration.ofSeconds(10));
            directory.register("127.0.0.1:2222", "127.0.0.1:" + h.port);
            directory.start();
            InstanceRelay relay = new InstanceRelay(fleet.tls().ca, ConsoleHarness.HOST);
            new LiveApi(new LiveSessions(h.holder, h.audit, h.registry, directory), h.clock, h.pool, timer,
                    new LiveApi.Instances(directory, h.tokens.instanceTokens(), relay)).register(live);
            closing.add(0, () -> {
                relay.close();
                directory.close();
                feed.close();
                h.close();
            });
        }

        String token(String user) {
            return h.token(user, Duration.ofHours(1)).jwt();
        }

        /** A valid instance token for {@code user} as this instance signs it. */
        String instanceToken(String user, InstanceTokens tokens) {
            return tokens.issue(directory.chainId(), directory.name(), user, "team-a", List.of("admin"),
                    h.identity(user).keyFingerprint(), "192.0.2.7:50000");
        }
    }

    private void start(UnaryOperator<String> policyOfB) throws Exception {
        String schema = "gh_obs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.executeUpdate("CREATE SCHEMA " + schema);
        }
        closing.add(() -> {
            try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
                st.executeUpdate("DROP SCHEMA " + schema + " CASCADE");
            }
        });
        fleet = ConsoleHarness.Fleet.of(SERVER + "&currentSchema=" + schema);
        a = new Instance("gw-a-chain", "gw-a", p -> p);
        b = new Instance("gw-b-chain", "gw-b", policyOfB);
        b.h.registry.add(shell);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.directory.others().stream().anyMatch(s -> s.id().equals(FakeShell.ID)));
    }

    @AfterEach
    void stop() throws Exception {
        timer.shutdownNow();
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    @Test
    void aViewerOnASeesTheSessionOnBAndTheUserOnBIsToldAndBothChainsRecordIt() throws Exception {
        start(p -> p);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> r = a.h.client.send(a.h.request("/api/v1/live/" + FakeShell.ID + "/observe")
                .header("Authorization", "Bearer " + a.token("erin")).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        Thread reader = new Thread(() -> r.body().forEach(lines::add), "sse-reader");
        reader.setDaemon(true);
        reader.start();

        assertThat(ConsoleHarness.nextLine(lines)).isEqualTo("event: header");
        assertThat(ConsoleHarness.nextLine(lines)).startsWith("data: {\"version\":2,\"width\":80,\"height\":24,");
        assertThat(ConsoleHarness.nextLine(lines)).isEmpty();
        // the user on B is told who watches: B's session was asked to be observed by erin
        assertThat(shell.watchers).containsExactly("erin");
        shell.write("nvidia-smi\r\n");
        assertThat(ConsoleHarness.nextLine(lines)).isEqualTo("event: output");
        assertThat(ConsoleHarness.nextLine(lines)).isEqualTo("data: [0.000000,\"o\",\"nvidia-smi\\r\\n\"]");
        assertThat(ConsoleHarness.nextLine(lines)).isEmpty();

        shell.end();
        assertThat(ConsoleHarness.nextLine(lines)).isEqualTo("event: end");
        assertThat(ConsoleHarness.nextLine(lines)).isEqualTo("data: {\"reason\":\"the session ended\"}");
        reader.join(10_000);
        assertThat(reader.isAlive()).as("the relayed response ended after the end event").isFalse();

        List<AuditEvent> onB = b.h.events("session.observe");
        assertThat(onB).extracting(e -> e.details().get("step")).containsExactly("start", "end");
        assertThat(onB).allSatisfy(e -> {
            assertThat(e.user()).isEqualTo("erin");
            assertThat(e.details()).containsEntry("via_instance", "gw-a").containsEntry("via", "instance");
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> a.h.events("session.observe").size() == 2);
        assertThat(a.h.events("session.observe")).allSatisfy(e -> {
            assertThat(e.user()).isEqualTo("erin");
            assertThat(e.details()).containsEntry("instance", "gw-b").containsEntry("via", "token");
        });
    }

    @Test
    void theViewerLeavingOnAEndsTheObservationOnB() throws Exception {
        start(p -> p);
        HttpResponse<Stream<String>> r = a.h.client.send(a.h.request("/api/v1/live/" + FakeShell.ID + "/observe")
                .header("Authorization", "Bearer " + a.token("erin")).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> shell.observers.size() == 1);
        r.body().close();
        // threat: an observation that outlives its viewer keeps the user told they are watched, and holds a slot
        await().atMost(Duration.ofSeconds(15)).until(() -> shell.observers.isEmpty());
        await().atMost(Duration.ofSeconds(10)).until(() -> b.h.events("session.observe").size() == 2);
    }

    @Test
    void aViewerOnAWhoDoesNotReadIsDroppedByBsSlowObserverRule() throws Exception {
        // threat: a stalled viewer on A holds an observation on B for ever (the user told they are watched), or the
        // relay piles the session's output up in A's memory; B must see the viewer fall behind and drop it at 1 MiB
        start(p -> p);
        HttpResponse<java.io.InputStream> r = a.h.client.send(a.h.request("/api/v1/live/" + FakeShell.ID + "/observe")
                .header("Authorization", "Bearer " + a.token("erin")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> shell.observers.size() == 1);
        String chunk = "x".repeat(64 * 1024);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!shell.observers.isEmpty() && System.nanoTime() < deadline) {
            shell.write(chunk);
            Thread.onSpinWait();
        }
        // the client never read: A stopped reading from B, so B's own rule dropped the observer, as for a local one
        await().atMost(Duration.ofSeconds(10)).until(() -> b.h.events("session.observe").size() == 2);
        assertThat(b.h.events("session.observe").get(1).details().get("reason").toString()).contains("behind the session");
        r.body().close();
    }

    @Test
    void forgedExpiredAndReplayedInstanceTokensAreRefusedByB() throws Exception {
        // threat: whoever reaches B's HTTPS port (or saw one token go by) watches a shell with a token B did not
        // get from a fellow instance just now: signed by another key, past its 60 s, or presented a second time
        start(p -> p);
        InstanceTokens forger = new InstanceTokens(TestTls.ec(), a.h.clock);
        assertRefused(internal(a.instanceToken("erin", forger)), "not an ES256 instance token");
        String[] parts = a.instanceToken("dan", a.h.tokens.instanceTokens()).split("\\.");
        java.util.Base64.Decoder dec = java.util.Base64.getUrlDecoder();
        String payload = new String(dec.decode(parts[1]), StandardCharsets.UTF_8).replace("\"dan\"", "\"erin\"");
        String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertRefused(internal(tampered), "signature");

        TestClock past = new TestClock(a.h.clock.instant().minus(Duration.ofSeconds(61)));
        InstanceTokens stale = new InstanceTokens(fleet.tokenKey(), past);
        assertRefused(internal(a.instanceToken("erin", stale)), "expired");

        String once = a.instanceToken("erin", a.h.tokens.instanceTokens());
        HttpResponse<Stream<String>> first = b.h.client.send(b.h.request("/internal/v1/live/" + FakeShell.ID + "/observe")
                .header("Authorization", "Bearer " + once).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(first.statusCode()).isEqualTo(200);
        first.body().close();
        assertRefused(internal(once), "replayed");

        // an api-token of the same key is no instance token, nor the other way round
        assertRefused(internal(b.token("erin")), "not an ES256 instance token");
        HttpResponse<String> asApi = b.h.send(b.h.request("/api/v1/live").header("Authorization", "Bearer "
                + a.instanceToken("erin", a.h.tokens.instanceTokens())));
        assertThat(asApi.statusCode()).isEqualTo(401);
        assertThat(b.h.events("api.refused")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(shell.watchers).containsExactly("erin");
    }

    @Test
    void aTokenFromNoRunningInstanceOfTheFleetIsRefused() throws Exception {
        // threat: something other than a running fleet instance (a tool holding the shared key, a decommissioned or
        // dead instance, or a token naming another instance than its chain's) has B stream a shell to it
        start(p -> p);
        InstanceTokens tokens = a.h.tokens.instanceTokens();
        String unregistered = tokens.issue("gw-x-chain", "gw-x", "erin", "team-a", List.of("admin"),
                a.h.identity("erin").keyFingerprint(), "192.0.2.7:50000");
        String misnamed = tokens.issue(a.directory.chainId(), "gw-b", "erin", "team-a", List.of("admin"),
                a.h.identity("erin").keyFingerprint(), "192.0.2.7:50000");
        for (String token : List.of(unregistered, misnamed)) {
            HttpResponse<String> r = internal(token);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).get("message").asText()).contains("is no running instance of this fleet");
        }
        a.directory.close(); // a graceful stop: A is no running instance any more
        HttpResponse<String> stopped = internal(a.instanceToken("erin", tokens));
        assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(403);
        assertThat(shell.watchers).isEmpty();
    }

    @Test
    void aCookieOrNoCredentialOnTheInternalPathIsRefusedAndAudited() throws Exception {
        // threat: a logged-in console user (or anybody) calls the internal path directly, skipping A's judgement
        start(p -> p);
        HttpResponse<String> cookie = b.h.send(b.h.request("/internal/v1/live/" + FakeShell.ID + "/observe")
                .header("Cookie", b.h.cookie("erin")));
        assertThat(cookie.statusCode()).as(cookie.body()).isEqualTo(401);
        assertThat(JSON.readTree(cookie.body()).get("message").asText()).contains("other gateway instances only");
        HttpResponse<String> none = b.h.send(b.h.request("/internal/v1/live/" + FakeShell.ID + "/observe"));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(b.h.events("api.refused")).extracting(e -> e.details().get("path"))
                .contains("/internal/v1/live/" + FakeShell.ID + "/observe");
        assertThat(shell.observers).isEmpty();
        assertThat(b.h.events("session.observe")).isEmpty();
    }

    @Test
    void aViewerAAllowsButBsPolicyRefusesIsRefused() throws Exception {
        // threat: the instances' policies differ (a revoke reached B first): A's judgement must not stand in for B's
        start(p -> p.replace("roles: [admin, approver], tenant: team-a", "roles: [approver], tenant: team-a"));
        HttpResponse<String> r = a.h.send(a.h.request("/api/v1/live/" + FakeShell.ID + "/observe")
                .header("Authorization", "Bearer " + a.token("erin")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(JSON.readTree(r.body()).get("message").asText()).startsWith("instance gw-b: ")
                .contains("audit or admin permission");
        assertThat(shell.observers).isEmpty();
        assertThat(b.h.events("observe.refused")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("via", "instance"));
        assertThat(a.h.events("session.observe")).extracting(e -> e.details().get("step")).containsExactly("start", "end");
    }

    @Test
    void aSessionOnADeadInstanceIs409NamingItAndWhenItWasLastSeen() throws Exception {
        start(p -> p);
        Instant lastSeen = b.h.clock.instant();
        a.h.clock.advance(Duration.ofSeconds(30));
        HttpResponse<String> r = a.h.send(a.h.request("/api/v1/live/" + FakeShell.ID + "/observe")
                .header("Authorization", "Bearer " + a.token("erin")));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(JSON.readTree(r.body()).get("message").asText()).contains("gw-b").contains("dead")
                .contains(lastSeen.toString().substring(0, 16));
        assertThat(shell.observers).isEmpty();
        assertThat(a.h.events("observe.refused")).isNotEmpty();
    }

    private HttpResponse<String> internal(String bearer) throws Exception {
        return b.h.send(b.h.request("/internal/v1/live/" + FakeShell.ID + "/observe").header("Authorization", "Bearer " + bearer));
    }

    private static void assertRefused(HttpResponse<String> r, String why) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(JSON.readTree(r.body()).get("message").asText()).contains(why);
    }

    /** A live shell of alice's on team-a's node (on instance B), whose output the test writes. */
    private static final class FakeShell extends FakeLiveShell {
        static final String ID = "01m8crossobserve000000000";

        FakeShell() {
            super(ID, Instant.parse("2026-11-29T11:59:00Z"));
        }
    }
}
