package dev.gatehouse.gateway.web.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.JwsVerifier;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.policy.Node;
import dev.gatehouse.policy.Permission;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.policy.User;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.RecorderOptions;
import dev.gatehouse.recorder.Recording;
import dev.gatehouse.recorder.RecordingInfo;
import dev.gatehouse.recorder.RecordingSummary;
import dev.gatehouse.recorder.SessionRecorder;
import dev.gatehouse.recorder.StoreOptions;
import dev.gatehouse.recorder.StoredEvent;
import dev.gatehouse.recorder.Witness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The records endpoints called through their routes with a built viewer, on a real SQLite store in
 * a temporary folder and a multi-tenant policy: alice (tenant red), bob (tenant blue), dan (no
 * tenant); nodes red-1, blue-1 and legacy-1 (no tenant).
 */
class RecordsApiTest {
    static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    final TestClock clock = new TestClock(T0);
    AuditStore store;
    AuditTrail audit;
    PolicyHolder policy;
    ApiRoutes routes;
    Path witness;

    @BeforeEach
    void setUp() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair auditKey = ec.generateKeyPair();
        JwsSigner signer = JwsSigner.es256(auditKey);
        witness = dir.resolve("checkpoints.jsonl");
        store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + dir.resolve("audit.db"), "gw-0000000000000001",
                CheckpointSigner.of(signer::sign, signer::verify), clock).withWitnessFile(witness));
        audit = new AuditTrail(store, clock, true);
        Policy p = new Policy(Set.of(), List.of(
                new User("alice", List.of(), List.of(), false, Optional.of("red")),
                new User("bob", List.of(), List.of(), false, Optional.of("blue")),
                new User("dan", List.of(), List.of(), false, Optional.empty())), List.of(
                node("red-1", "red"), node("blue-1", "blue"), node("legacy-1", null)), List.of(), List.of());
        policy = new PolicyHolder(SshKeys.generateEd25519(), clock, p);
        routes = new ApiRoutes();
        new RecordsApi(audit, policy, List.of(Witness.live(witness, "data_dir")), JwsVerifier.es256(auditKey.getPublic()),
                "live-1"::equals).register(routes);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private static Node node(String name, String tenant) {
        return new Node(name, "127.0.0.1", 22, Optional.empty(), Optional.empty(),
                tenant == null ? Map.of() : Map.of("tenant", tenant));
    }

    // ---- helpers ----

    static ConsoleViewer viewer(String user, String tenant, Permission... permissions) {
        return new ConsoleViewer(user, tenant, Set.of(permissions), "cookie", "sid-1", "", "192.0.2.7:50000",
                T0.plusSeconds(3600));
    }

    static final ConsoleViewer ALICE = viewer("alice", "red", Permission.AUDIT);
    static final ConsoleViewer BOB = viewer("bob", "blue", Permission.ADMIN);
    static final ConsoleViewer DAN = viewer("dan", null, Permission.AUDIT);

    /** Calls {@code METHOD PATH?QUERY} as {@code viewer} through the routing table. */
    ApiResponse call(ConsoleViewer viewer, String method, String pathAndQuery) {
        String path = pathAndQuery.contains("?") ? pathAndQuery.substring(0, pathAndQuery.indexOf('?')) : pathAndQuery;
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (pathAndQuery.contains("?")) {
            for (String pair : pathAndQuery.substring(pathAndQuery.indexOf('?') + 1).split("&")) {
                String[] kv = pair.split("=", 2);
                query.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv.length > 1 ? kv[1] : "");
            }
        }
        ApiRoutes.Match m = routes.match(method, path).orElseThrow(() -> new AssertionError("no route " + method + " " + path));
        return m.endpoint().handle(new ApiRequest(method, path, m.params(), query, JsonNodeFactory.instance.objectNode(),
                viewer));
    }

    JsonNode json(ConsoleViewer viewer, String pathAndQuery) {
        ApiResponse r = call(viewer, "GET", pathAndQuery);
        assertThat(r).isInstanceOf(ApiResponse.Json.class);
        return JSON.valueToTree(((ApiResponse.Json) r).value());
    }

    ApiError refused(ConsoleViewer viewer, String method, String pathAndQuery) {
        long before = eventCount();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> call(viewer, method, pathAndQuery));
        assertThat(t).isInstanceOf(ApiError.class);
        // Bad input and refusals change nothing.
        assertThat(eventCount()).isEqualTo(before);
        return (ApiError) t;
    }

    long eventCount() {
        return store.events(EventQuery.all()).size();
    }

    static List<String> ids(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("items").forEach(i -> out.add(i.get("id").asText()));
        return out;
    }

    void session(String id, int second, String user, String node, String kind, String command, String outcome) {
        audit.append(AuditEvent.of("session.start", T0.plusSeconds(second), "success").withUser(user)
                .withTarget(node, "ops").withSource("198.51.100.1:4000").withSessionId(id).with("kind", kind)
                .with("command", command));
        if (outcome != null) {
            audit.append(AuditEvent.of("session.end", T0.plusSeconds(second + 1), outcome).withUser(user)
                    .withTarget(node, "ops").withSessionId(id).with("output_bytes", 100).with("error_bytes", 5)
                    .with("input_bytes", 9).with("exit_status", 0));
        }
        store.flush();
    }

    /** A shell session on {@code node} with a real recording of {@code screen}. */
    void recordedShell(String id, String user, String node, String screen) {
        Recording rec = SessionRecorder.create(store, RecorderOptions.defaults(clock))
                .start(new RecordingInfo(id, "shell", null, "xterm", 80, 24, T0, user + " -> ops@" + node));
        audit.append(AuditEvent.of("session.start", T0, "success").withUser(user).withTarget(node, "ops")
                .withSessionId(id).with("kind", "shell"));
        byte[] b = screen.getBytes(StandardCharsets.UTF_8);
        rec.output(b, 0, b.length);
        RecordingSummary summary = rec.finish();
        store.flush();
        audit.append(AuditEvent.of("session.end", T0.plusSeconds(5), "success").withUser(user).withTarget(node, "ops")
                .withSessionId(id).with("recording_hash", summary.finalHash()));
        store.flush();
    }

    // ---- sessions ----

    @Test
    void sessionSearchFiltersAndPagesNewestFirst() {
        session("r1", 10, "alice", "red-1", "shell", null, "success");
        session("r2", 20, "alice", "red-1", "exec", "nvidia-smi -q", "failure");
        session("r3", 30, "alice", "red-1", "exec", "uptime", null);
        store.indexCommands("r1", "output", List.of("sudo systemctl restart nginx"));
        store.indexCommands("r2", "exec", List.of("nvidia-smi -q"));

        JsonNode first = json(ALICE, "/api/v1/sessions?limit=2");
        assertThat(ids(first)).containsExactly("r3", "r2");
        JsonNode rest = json(ALICE, "/api/v1/sessions?limit=2&before=" + first.get("next").asText());
        assertThat(ids(rest)).containsExactly("r1");
        assertThat(rest.get("next").isNull()).isTrue();

        assertThat(ids(json(ALICE, "/api/v1/sessions?kind=exec&outcome=failure"))).containsExactly("r2");
        assertThat(ids(json(ALICE, "/api/v1/sessions?outcome=running"))).containsExactly("r3");
        assertThat(ids(json(ALICE, "/api/v1/sessions?q=NGINX"))).containsExactly("r1");
        assertThat(ids(json(ALICE, "/api/v1/sessions?from=2026-11-29T12:00:15Z&to=2026-11-29T12:00:30Z")))
                .containsExactly("r2");
        assertThat(ids(json(ALICE, "/api/v1/sessions?user=alice&node=red-1&login=ops"))).hasSize(3);

        JsonNode r2 = json(ALICE, "/api/v1/sessions?q=nvidia").get("items").get(0);
        assertThat(r2.get("user").asText()).isEqualTo("alice");
        assertThat(r2.get("node").asText()).isEqualTo("red-1");
        assertThat(r2.get("login").asText()).isEqualTo("ops");
        assertThat(r2.get("kind").asText()).isEqualTo("exec");
        assertThat(r2.get("command").asText()).isEqualTo("nvidia-smi -q");
        assertThat(r2.get("source").asText()).isEqualTo("198.51.100.1:4000");
        assertThat(r2.get("started").asText()).isEqualTo("2026-11-29T12:00:20Z");
        assertThat(r2.get("ended").asText()).isEqualTo("2026-11-29T12:00:21Z");
        assertThat(r2.get("outcome").asText()).isEqualTo("failure");
        assertThat(r2.get("bytes_in").asLong()).isEqualTo(9);
        assertThat(r2.get("bytes_out").asLong()).isEqualTo(105);
        assertThat(r2.get("instance").asText()).isEqualTo("gw-0000000000000001");
        assertThat(r2.get("live").asBoolean()).isFalse();
    }

    @Test
    void liveFlagComesFromThisInstancesRegistry() {
        session("live-1", 10, "alice", "red-1", "shell", null, null);
        assertThat(json(ALICE, "/api/v1/sessions").get("items").get(0).get("live").asBoolean()).isTrue();
    }

    /** Threat: an auditor of one tenant reads another tenant's sessions (R19). They do not exist for them. */
    @Test
    void tenantsSeeOnlyTheirOwnSessions() {
        session("red", 10, "alice", "red-1", "shell", null, "success");
        session("blue", 20, "bob", "blue-1", "shell", null, "success");
        session("old", 30, "dan", "legacy-1", "shell", null, "success");
        session("gone", 40, "dan", "removed-node", "shell", null, "success");
        assertThat(ids(json(ALICE, "/api/v1/sessions"))).containsExactly("red");
        assertThat(ids(json(BOB, "/api/v1/sessions"))).containsExactly("blue");
        assertThat(ids(json(DAN, "/api/v1/sessions"))).containsExactly("gone", "old");
        // Another tenant's session answers exactly as a session that does not exist.
        ApiError foreign = refused(ALICE, "GET", "/api/v1/sessions/blue");
        ApiError missing = refused(ALICE, "GET", "/api/v1/sessions/no-such");
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.code()).isEqualTo(missing.code());
        assertThat(refused(ALICE, "GET", "/api/v1/sessions/blue/recording").status()).isEqualTo(404);
        assertThat(json(BOB, "/api/v1/sessions/blue").get("id").asText()).isEqualTo("blue");
    }

    /** Threat: a user without the audit permission reads others' sessions and the audit log. */
    @Test
    void everyEndpointNeedsAuditOrAdmin() {
        session("red", 10, "alice", "red-1", "shell", null, "success");
        ConsoleViewer plain = viewer("alice", "red");
        for (String[] call : List.of(new String[] {"GET", "/api/v1/sessions"}, new String[] {"GET", "/api/v1/sessions/red"},
                new String[] {"GET", "/api/v1/sessions/red/recording"}, new String[] {"GET", "/api/v1/audit/events"},
                new String[] {"GET", "/api/v1/audit/events?after=0"}, new String[] {"POST", "/api/v1/audit/verify"},
                new String[] {"GET", "/api/v1/audit/witness"})) {
            ApiError e = refused(plain, call[0], call[1]);
            assertThat(e.status()).as(call[1]).isEqualTo(403);
            assertThat(e.code()).isEqualTo("forbidden");
        }
    }

    @Test
    void everyOutcomeASessionEndsWithIsAFilter() {
        // the gateway writes these outcomes (terminate, lock and revoke end sessions "terminated"),
        // so a search for any of them must be accepted and find exactly those sessions
        List<String> ended = List.of("success", "failure", "closed", "terminated", "interrupted");
        for (int i = 0; i < ended.size(); i++) {
            session("o-" + ended.get(i), 10 * (i + 1), "alice", "red-1", "shell", null, ended.get(i));
        }
        session("o-running", 100, "alice", "red-1", "shell", null, null);
        for (String outcome : ended) {
            assertThat(ids(json(ALICE, "/api/v1/sessions?outcome=" + outcome))).as(outcome).containsExactly("o-" + outcome);
        }
        assertThat(ids(json(ALICE, "/api/v1/sessions?outcome=running"))).containsExactly("o-running");
        assertThat(RecordsApi.OUTCOMES).containsExactlyInAnyOrderElementsOf(
                java.util.stream.Stream.concat(ended.stream(), java.util.stream.Stream.of("running")).toList());
    }

    /** App (HTTPS) sessions are sessions too: searched with kind=app, their requests on their page. */
    @Test
    void appSessionsAreFoundAndShowTheirRequests() {
        session("ssh-1", 10, "alice", "red-1", "shell", null, "success");
        audit.append(AuditEvent.of("app.session.start", T0.plusSeconds(20), "success").withUser("alice")
                .withTarget("red-1", "ops").withSource("198.51.100.1:5000").withSessionId("app-1")
                .with("app", "jupyter").with("host", "jupyter--red-1.apps.localhost").with("via", "cookie"));
        audit.append(AuditEvent.of("app.request", T0.plusSeconds(21), "success").withUser("alice").withTarget("red-1", "ops")
                .withSessionId("app-1").with("app", "jupyter").with("method", "GET").with("path", "/tree").with("status", 200));
        audit.append(AuditEvent.of("app.session.end", T0.plusSeconds(90), "success").withUser("alice")
                .withTarget("red-1", "ops").withSessionId("app-1").with("app", "jupyter").with("reason", "idle")
                .with("requests", 1).with("bytes_in", 7).with("bytes_out", 1234));
        audit.append(AuditEvent.of("app.session.start", T0.plusSeconds(30), "success").withUser("bob")
                .withTarget("blue-1", "ops").withSessionId("app-blue").with("app", "jupyter"));
        store.flush();

        assertThat(ids(json(ALICE, "/api/v1/sessions"))).containsExactly("app-1", "ssh-1");
        assertThat(ids(json(ALICE, "/api/v1/sessions?kind=app"))).containsExactly("app-1");
        assertThat(ids(json(ALICE, "/api/v1/sessions?kind=shell"))).containsExactly("ssh-1");
        assertThat(ids(json(ALICE, "/api/v1/sessions?kind=app&outcome=success&user=alice"))).containsExactly("app-1");
        assertThat(ids(json(ALICE, "/api/v1/sessions?kind=app&outcome=running"))).isEmpty();

        JsonNode page = json(ALICE, "/api/v1/sessions/app-1");
        assertThat(page.get("kind").asText()).isEqualTo("app");
        assertThat(page.get("app").asText()).isEqualTo("jupyter");
        assertThat(page.get("outcome").asText()).isEqualTo("success");
        assertThat(page.get("ended").asText()).isEqualTo("2026-11-29T12:01:30Z");
        assertThat(page.get("requests").asLong()).isEqualTo(1);
        assertThat(page.get("bytes_in").asLong()).isEqualTo(7);
        assertThat(page.get("bytes_out").asLong()).isEqualTo(1234);
        assertThat(page.get("recording").get("present").asBoolean()).isFalse();
        List<String> types = new ArrayList<>();
        page.get("events").forEach(e -> types.add(e.get("type").asText()));
        assertThat(types).containsExactly("app.session.start", "app.request", "app.session.end");
        // tenants stay apart for app sessions as for SSH ones (R19)
        assertThat(refused(ALICE, "GET", "/api/v1/sessions/app-blue").status()).isEqualTo(404);
    }

    @Test
    void badInputIsA400AndChangesNothing() {
        session("red", 10, "alice", "red-1", "shell", null, "success");
        for (String bad : List.of("/api/v1/sessions?kind=bogus", "/api/v1/sessions?outcome=maybe",
                "/api/v1/sessions?limit=0", "/api/v1/sessions?limit=501", "/api/v1/sessions?limit=ten",
                "/api/v1/sessions?from=yesterday", "/api/v1/sessions?before=Zm9yZ2Vk", "/api/v1/sessions?colour=red",
                "/api/v1/sessions?user=a&user=b", "/api/v1/sessions?q=" + "x".repeat(201),
                "/api/v1/sessions/red/recording?download=maybe", "/api/v1/audit/events?type=Robert');",
                "/api/v1/audit/events?before=nope", "/api/v1/audit/events?after=-1", "/api/v1/audit/events?after=x",
                "/api/v1/audit/events?format=xml", "/api/v1/audit/events?format=json&after=3", "/api/v1/audit/events?after=0&limit=10001")) {
            ApiError e = refused(ALICE, "GET", bad);
            assertThat(e.status()).as(bad).isEqualTo(400);
            assertThat(e.code()).isEqualTo("bad_request");
        }
        assertThat(refused(ALICE, "GET", "/api/v1/audit/events?after=0&chain=gw-unknown").status()).isEqualTo(404);
    }

    @Test
    void sessionDetailHasEventsTransfersCommandsAndRecordingState() {
        recordedShell("s1", "alice", "red-1", "alice@red-1:~$ ls\r\nnotes.txt\r\n");
        audit.append(AuditEvent.of("file.transfer", T0.plusSeconds(2), "success").withUser("alice")
                .withTarget("red-1", "ops").withSessionId("s1").with("op", "download").with("path", "/etc/hosts")
                .with("bytes", 42).with("sha256", "ab".repeat(32)).with("status", "ok"));
        store.flush();
        JsonNode s = json(ALICE, "/api/v1/sessions/s1");
        assertThat(s.get("id").asText()).isEqualTo("s1");
        List<String> types = new ArrayList<>();
        s.get("events").forEach(e -> types.add(e.get("type").asText()));
        assertThat(types).containsExactly("session.start", "file.transfer", "session.end");
        JsonNode t = s.get("transfers").get(0);
        assertThat(t.get("op").asText()).isEqualTo("download");
        assertThat(t.get("path").asText()).isEqualTo("/etc/hosts");
        assertThat(t.get("bytes").asLong()).isEqualTo(42);
        assertThat(t.get("sha256").asText()).isEqualTo("ab".repeat(32));
        assertThat(s.get("commands").get(0).asText()).isEqualTo("ls");
        assertThat(s.get("recording").get("present").asBoolean()).isTrue();
        assertThat(s.get("recording").get("verified").asBoolean()).isTrue();
    }

    @Test
    void recordingIsServedAsAsciicastAndEachViewIsAudited() throws Exception {
        recordedShell("s1", "alice", "red-1", "alice@red-1:~$ echo hello\r\nhello\r\n");
        ApiResponse.Body body = (ApiResponse.Body) call(ALICE, "GET", "/api/v1/sessions/s1/recording");
        assertThat(body.status()).isEqualTo(200);
        assertThat(body.contentType()).isEqualTo("application/x-asciicast");
        assertThat(body.fileName()).isNull();
        String[] lines = new String(body.bytes(), StandardCharsets.UTF_8).split("\n");
        JsonNode header = JSON.readTree(lines[0]);
        assertThat(header.get("version").asInt()).isEqualTo(2);
        assertThat(header.get("width").asInt()).isEqualTo(80);
        JsonNode frame = JSON.readTree(lines[1]);
        assertThat(frame.get(1).asText()).isEqualTo("o");
        assertThat(frame.get(2).asText()).contains("echo hello");

        ApiResponse.Body download = (ApiResponse.Body) call(ALICE, "GET", "/api/v1/sessions/s1/recording?download=1");
        assertThat(download.fileName()).isEqualTo("session-s1.cast");

        List<StoredEvent> views = store.events(new EventQuery("recording.viewed", null, null, null, 10));
        assertThat(views).hasSize(2);
        AuditEvent v = views.get(0).event();
        assertThat(v.user()).isEqualTo("alice");
        assertThat(v.sessionId()).isEqualTo("s1");
        assertThat(v.source()).isEqualTo("192.0.2.7:50000");
        assertThat(v.details()).containsEntry("via", "cookie").containsEntry("download", "false");
        assertThat(views.get(1).event().details()).containsEntry("download", "true");
    }

    /** Threat: a recording rewritten in the database is shown as evidence. Its chain is checked first. */
    @Test
    void aTamperedRecordingIsRefusedWith409AndNotViewed() throws Exception {
        recordedShell("s1", "alice", "red-1", "alice@red-1:~$ rm -rf /srv/data\r\n");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("audit.db"));
                Statement st = c.createStatement()) {
            st.executeUpdate("DROP TRIGGER recording_chunks_no_update");
            st.executeUpdate("UPDATE recording_chunks SET data = CAST('alice@red-1:~$ ls' AS BLOB)"
                    + " WHERE session_id = 's1' AND stream = 'o'");
        }
        ApiError e = refused(ALICE, "GET", "/api/v1/sessions/s1/recording");
        assertThat(e.status()).isEqualTo(409);
        assertThat(e.code()).isEqualTo("conflict");
        assertThat(e.getMessage()).contains("failed verification");
        assertThat(store.events(new EventQuery("recording.viewed", null, null, null, 10))).isEmpty();
        JsonNode s = json(ALICE, "/api/v1/sessions/s1");
        assertThat(s.get("recording").get("verified").asBoolean()).isFalse();
        assertThat(s.get("recording").get("problem").asText()).isNotEmpty();
    }

    // ---- audit log ----

    @Test
    void auditEventsPageNewestFirstWithFilters() {
        session("r1", 10, "alice", "red-1", "shell", null, "success");
        session("r2", 20, "alice", "red-1", "exec", "id", "success");
        JsonNode first = json(ALICE, "/api/v1/audit/events?type=session.&limit=3");
        List<Long> seqs = new ArrayList<>();
        first.get("items").forEach(e -> seqs.add(e.get("seq").asLong()));
        assertThat(seqs).containsExactly(4L, 3L, 2L);
        JsonNode rest = json(ALICE, "/api/v1/audit/events?type=session.&limit=3&before=" + first.get("next").asText());
        assertThat(rest.get("items")).hasSize(1);
        assertThat(rest.get("next").isNull()).isTrue();
        JsonNode e = json(ALICE, "/api/v1/audit/events?type=session.end&session=r2").get("items").get(0);
        assertThat(e.get("chain").asText()).isEqualTo("gw-0000000000000001");
        assertThat(e.get("seq").asLong()).isEqualTo(4);
        assertThat(e.get("hash").asText()).hasSize(64);
        assertThat(e.get("prev_hash").asText()).hasSize(64);
        assertThat(e.get("details").get("exit_status").asText()).isEqualTo("0");
        assertThat(json(ALICE, "/api/v1/audit/events?user=alice&node=red-1&from=2026-11-29T12:00:20Z").get("items"))
                .hasSize(2);
    }

    /** A SIEM collector reads JSON Lines after the last seq it holds, resumes, and checks every link. */
    @Test
    void jsonLinesExportResumesAndLinks() throws Exception {
        for (int i = 0; i < 5; i++) {
            session("r" + i, 10 * i, "alice", "red-1", "exec", "cmd " + i, "success");
        }
        List<JsonNode> got = new ArrayList<>();
        long after = 0;
        while (true) {
            ApiResponse.Body b = (ApiResponse.Body) call(ALICE, "GET",
                    "/api/v1/audit/events?format=jsonl&after=" + after + "&limit=4");
            assertThat(b.contentType()).isEqualTo("application/x-ndjson");
            String text = new String(b.bytes(), StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                break;
            }
            for (String line : text.split("\n")) {
                got.add(JSON.readTree(line));
            }
            after = got.get(got.size() - 1).get("seq").asLong();
        }
        assertThat(got).hasSize(10);
        String prev = "0".repeat(64);
        long seq = 0;
        for (JsonNode line : got) {
            assertThat(line.get("chain").asText()).isEqualTo("gw-0000000000000001");
            assertThat(line.get("seq").asLong()).isEqualTo(++seq);
            assertThat(line.get("prev_hash").asText()).isEqualTo(prev);
            prev = line.get("hash").asText();
        }
    }

    @Test
    void tenantsSeeOnlyTheirOwnEvents() {
        session("red", 10, "alice", "red-1", "shell", null, "success");
        session("blue", 20, "bob", "blue-1", "shell", null, "success");
        audit.append(AuditEvent.of("auth.success", T0.plusSeconds(30), "success").withUser("bob"));
        store.flush();
        List<String> users = new ArrayList<>();
        json(ALICE, "/api/v1/audit/events").get("items").forEach(e -> users.add(e.get("user").asText()));
        assertThat(users).containsOnly("alice").hasSize(2);
        String lines = new String(((ApiResponse.Body) call(BOB, "GET", "/api/v1/audit/events?after=0")).bytes(),
                StandardCharsets.UTF_8);
        assertThat(lines.split("\n")).hasSize(3).allSatisfy(l -> assertThat(l).contains("\"user\":\"bob\""));
    }

    // ---- verify and witness ----

    @Test
    void verifyReportsAndIsAudited() throws Exception {
        session("red", 10, "alice", "red-1", "shell", null, "success");
        store.checkpoint();
        JsonNode ok = JSON.valueToTree(((ApiResponse.Json) call(DAN, "POST", "/api/v1/audit/verify")).value());
        assertThat(ok.get("ok").asBoolean()).isTrue();
        assertThat(ok.get("summary").asText()).startsWith("1 chain(s), 2 event(s), 1 signed checkpoint(s)");
        assertThat(ok.get("first_broken").isNull()).isTrue();
        store.flush();
        List<StoredEvent> runs = store.events(new EventQuery("audit.verified", null, null, null, 10));
        assertThat(runs).singleElement().satisfies(r -> {
            assertThat(r.event().outcome()).isEqualTo("success");
            assertThat(r.event().user()).isEqualTo("dan");
            assertThat(r.event().details()).containsKey("summary");
        });

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("audit.db"));
                Statement st = c.createStatement()) {
            st.executeUpdate("DROP TRIGGER audit_events_no_update");
            st.executeUpdate("UPDATE audit_events SET user_name = 'mallory' WHERE seq = 1");
        }
        JsonNode bad = JSON.valueToTree(((ApiResponse.Json) call(DAN, "POST", "/api/v1/audit/verify")).value());
        assertThat(bad.get("ok").asBoolean()).isFalse();
        assertThat(bad.get("first_broken").asText()).contains("seq 1");
        store.flush();
        assertThat(store.events(new EventQuery("audit.verified", null, null, null, 10)))
                .extracting(e -> e.event().outcome()).containsExactly("success", "failure");
    }

    /** Threat: a tenant's auditor learns about other tenants' chains through the whole-store check. */
    @Test
    void verifyAndWitnessAreForOperatorsInAMultiTenantPolicy() {
        assertThat(refused(ALICE, "POST", "/api/v1/audit/verify").status()).isEqualTo(403);
        assertThat(refused(BOB, "GET", "/api/v1/audit/witness").status()).isEqualTo(403);
    }

    @Test
    void witnessStatusShowsTheWitnessAndTheStoresCheckpoints() {
        JsonNode before = json(DAN, "/api/v1/audit/witness");
        assertThat(before.get("witnesses").get(0).get("origin").asText()).isEqualTo("data_dir");
        session("red", 10, "alice", "red-1", "shell", null, "success");
        store.checkpoint();
        JsonNode after = json(DAN, "/api/v1/audit/witness");
        JsonNode w = after.get("witnesses").get(0);
        assertThat(w.get("exists").asBoolean()).isTrue();
        assertThat(w.get("lines").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(w.get("newest").get("chain").asText()).isEqualTo("gw-0000000000000001");
        assertThat(after.get("stored").get(0).get("seq").asLong()).isEqualTo(w.get("newest").get("seq").asLong());
        assertThat(after.get("ok").asBoolean()).isTrue();
        assertThat(after.get("chains").get(0).asText()).isEqualTo("gw-0000000000000001");
    }

    @Test
    void routesAnswerOnlyTheirMethods() {
        assertThat(routes.methodsFor("/api/v1/audit/verify")).containsExactly("POST");
        assertThat(routes.methodsFor("/api/v1/sessions/x/recording")).containsExactly("GET");
        assertThatThrownBy(() -> call(DAN, "GET", "/api/v1/audit/verify")).isInstanceOf(AssertionError.class);
    }
}
