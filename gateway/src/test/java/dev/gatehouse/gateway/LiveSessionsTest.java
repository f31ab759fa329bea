package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.gateway.web.console.ApiError;
import dev.gatehouse.gateway.web.console.ApiRequest;
import dev.gatehouse.gateway.web.console.ApiResponse;
import dev.gatehouse.gateway.web.console.ApiRoutes;
import dev.gatehouse.gateway.web.console.ConsoleViewer;
import dev.gatehouse.gateway.web.console.LiveApi;
import dev.gatehouse.policy.Permission;
import dev.gatehouse.recorder.AuditEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live sessions through the console API's module ({@link LiveApi}, called as the front controller
 * would) and the gateway shell, against the real gateway and a MINA node whose shell echoes:
 * list, terminate with a reason the user sees, observe read-only. Threats: an auditor or another
 * tenant's admin ends or watches sessions they must not; a slow observer stalls the session it
 * watches; an observer's presence is hidden from the user, or leaks into the node or the recording.
 */
class LiveSessionsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private TestNode node;
    private InProcessGateway gw;
    private ApiRoutes routes;
    private final List<ChannelShell> open = new CopyOnWriteArrayList<>();

    static Function<Map<String, String>, String> policy(int port, String hostKey) {
        return keys -> """
                users:
                  - {name: admin, keys: ["%s"], roles: [admin], tenant: team-a}
                  - {name: auditor, keys: ["%s"], roles: [auditor], tenant: team-a}
                  - {name: alice, keys: ["%s"], roles: [engineer], tenant: team-a}
                  - {name: carol, keys: ["%s"], roles: [admin, auditor], tenant: team-b}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:%d", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: admin, permissions: [admin]}
                  - {name: auditor, permissions: [audit]}
                """.formatted(keys.get("admin"), keys.get("auditor"), keys.get("alice"), keys.get("carol"), port, hostKey);
    }

    @BeforeEach
    void start() throws IOException {
        node = TestNode.accepting();
        gw = InProcessGateway.start(dir, policy(node.port(), node.hostKeyLine()), "admin", "auditor", "alice", "carol");
        routes = new ApiRoutes();
        LiveApi.of(gw.gateway().services()).register(routes);
    }

    @AfterEach
    void stop() throws IOException {
        for (ChannelShell s : open) {
            s.close(true);
        }
        gw.close();
        node.close();
    }

    @Test
    void anAdminTerminatesAShellAndTheUserSeesWhoAndWhy() throws Exception {
        Terminal alice = shell();
        String id = liveId();
        Map<String, Object> listed = items(call("GET", "/api/v1/live", Map.of(), viewer("admin"))).get(0);
        assertThat(listed).containsEntry("user", "alice").containsEntry("login", "aiops").containsEntry("node", "gpu-node-1")
                .containsEntry("kind", "shell").containsEntry("observable", true);
        assertThat((Long) listed.get("bytes_out")).as("the node's 'size 80x24' line").isGreaterThan(0L);

        call("POST", "/api/v1/live/" + id + "/terminate", Map.of("reason", "incident 42: GPU hang \u00fc"), viewer("admin"));

        await().atMost(WAIT).until(alice.channel::isClosed);
        assertThat(alice.text()).as("the reason, before the channel closed")
                .contains("gatehouse: session terminated by admin: incident 42: GPU hang \u00fc");
        assertThat(alice.channel.getExitStatus()).isEqualTo(255);
        AuditEvent terminated = one("session.terminated");
        assertThat(terminated.user()).isEqualTo("admin");
        assertThat(terminated.sessionId()).isEqualTo(id);
        assertThat(terminated.details()).containsEntry("session_user", "alice").containsEntry("reason", "incident 42: GPU hang \u00fc")
                .containsEntry("via", "cookie");
        assertThat(one("session.end").outcome()).isEqualTo("terminated");
        assertThat(gw.gateway().services().sessions().all()).isEmpty();
    }

    @Test
    void terminateNeedsAdminAReasonAndTheSameTenant() throws Exception {
        Terminal alice = shell();
        String id = liveId();
        String path = "/api/v1/live/" + id + "/terminate";

        assertThat(refusal("POST", path, Map.of("reason", "x"), viewer("auditor")).status()).isEqualTo(403);
        assertThat(refusal("POST", path, Map.of(), viewer("admin")).status()).isEqualTo(400);
        assertThat(refusal("POST", path, Map.of("reason", "  "), viewer("admin")).status()).isEqualTo(400);
        // a reason is shown on the user's terminal: escape sequences in it are refused, not sent
        assertThat(refusal("POST", path, Map.of("reason", "bye\u001b[2J"), viewer("admin")).getMessage())
                .isEqualTo("reason contains a control character (U+001B)");
        // another tenant's admin: as if the session did not exist
        ApiError foreign = refusal("POST", path, Map.of("reason", "x"), viewer("carol"));
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(refusal("POST", "/api/v1/live/nope/terminate", Map.of("reason", "x"), viewer("carol")).getMessage())
                .isEqualTo(foreign.getMessage().replace(id, "nope"));
        assertThat(items(call("GET", "/api/v1/live", Map.of(), viewer("carol")))).isEmpty();
        assertThat(refusal("GET", "/api/v1/live", Map.of(), viewer("alice")).status()).isEqualTo(403);

        assertThat(alice.channel.isClosed()).as("no refusal touched the session").isFalse();
        assertThat(events("terminate.refused")).hasSize(6);
        assertThat(events("session.terminated")).isEmpty();
    }

    @Test
    void theShellsTerminateCommandIsTheSameActionAndListsInLive() throws Exception {
        Terminal alice = shell();
        String id = liveId();
        InProcessGateway.Result listed = gw.exec("auditor", "live --json");
        assertThat(listed.stdout()).contains("\"id\":\"" + id + "\"").contains("\"kind\":\"shell\"");
        assertThat(listed.stdout()).contains("\"state\":\"live\"").contains("\"instance\":\"");
        // the text table's columns fit a 26-character session id: header and rows line up
        String[] table = gw.exec("auditor", "live").stdout().split("\n");
        assertThat(id).hasSize(26);
        assertThat(table[0]).startsWith(String.format("%-26s  USER", "ID")).contains("INSTANCE").contains("STATE");
        assertThat(table[1]).startsWith(id + "  ").endsWith("live");
        assertThat(table[1].indexOf("alice")).isEqualTo(table[0].indexOf("USER"));
        assertThat(gw.exec("admin", "help").stdout()).contains("terminate ID --reason TEXT");

        InProcessGateway.Result refused = gw.exec("auditor", "terminate " + id + " --reason nope");
        assertThat(refused.status()).isEqualTo(1);
        assertThat(refused.stderr()).contains("gatehouse: you need the admin permission to terminate sessions");
        InProcessGateway.Result usage = gw.exec("admin", "terminate " + id);
        assertThat(usage.stderr()).contains("usage: terminate ID --reason TEXT");

        InProcessGateway.Result done = gw.exec("admin", "terminate " + id + " --reason 'disk full'");
        assertThat(done.status()).as(done.stderr()).isZero();
        assertThat(done.stdout()).contains("terminated " + id);
        await().atMost(WAIT).until(alice.channel::isClosed);
        assertThat(alice.text()).contains("gatehouse: session terminated by admin: disk full");
        assertThat(one("session.terminated").details()).containsEntry("via", "shell");
    }

    @Test
    void anAuditorObservesLiveOutputAndTheUserIsToldWhoWatches() throws Exception {
        Terminal alice = shell();
        String id = liveId();
        FakeSink sink = new FakeSink();
        stream(call("GET", "/api/v1/live/" + id + "/observe", Map.of(), viewer("auditor"))).start().accept(sink);

        await().atMost(WAIT).until(() -> alice.text().contains("gatehouse: auditor is observing this session (read-only)"));
        alice.type("nvidia-smi\r");
        await().atMost(WAIT).until(() -> sink.text().contains("nvidia-smi"));
        assertThat(sink.text()).startsWith("event: header\ndata: {\"version\":2,\"width\":80,\"height\":24,")
                .containsPattern("event: output\ndata: \\[\\d+\\.\\d{6},\"o\",\"nvidia-smi\\\\r\"\\]\n\n");
        alice.channel.sendWindowChange(100, 30);
        await().atMost(WAIT).until(() -> sink.text().contains(",\"r\",\"100x30\"]"));

        sink.leave();
        await().atMost(WAIT).until(() -> alice.text().contains("gatehouse: auditor stopped observing"));
        assertThat(node.typed.toString()).as("the notices go to the user's terminal only, never to the node")
                .doesNotContain("observing");
        assertThat(events("session.observe")).extracting(e -> e.details().get("step")).containsExactly("start", "end");
        assertThat(events("session.observe")).allSatisfy(e -> {
            assertThat(e.user()).isEqualTo("auditor");
            assertThat(e.sessionId()).isEqualTo(id);
        });
        // the recording holds the session's own output, not the gateway's notices
        alice.channel.close(false);
        await().atMost(WAIT).until(() -> !events("session.end").isEmpty());
        String recorded = new String(gw.gateway().services().audit().store().recording(id).stream()
                .flatMap(c -> java.util.stream.Stream.of(c.data() == null ? new byte[0] : c.data()))
                .reduce(new byte[0], LiveSessionsTest::concat), StandardCharsets.UTF_8);
        assertThat(recorded).contains("nvidia-smi").doesNotContain("observing");
    }

    @Test
    void observingEndsWithTheSessionAndNeedsAuditInTheSameTenant() throws Exception {
        Terminal alice = shell();
        String id = liveId();
        String path = "/api/v1/live/" + id + "/observe";
        assertThat(refusal("GET", path, Map.of(), viewer("alice")).status()).isEqualTo(403);
        assertThat(refusal("GET", path, Map.of(), viewer("carol")).status()).isEqualTo(404);
        assertThat(alice.text()).doesNotContain("observing");

        FakeSink sink = new FakeSink();
        stream(call("GET", path, Map.of(), viewer("admin"))).start().accept(sink);
        await().atMost(WAIT).until(() -> alice.text().contains("admin is observing"));
        alice.channel.close(false);
        await().atMost(WAIT).until(() -> sink.closed.getCount() == 0);
        assertThat(sink.text()).endsWith("event: end\ndata: {\"reason\":\"the session ended\"}\n\n");
        await().atMost(WAIT).until(() -> events("session.observe").size() == 2);
        assertThat(events("session.observe").get(1).details()).containsEntry("reason", "the session ended");
        assertThat(events("observe.refused")).hasSize(2);
    }

    /** Threat: an auditor locked during an incident keeps watching the sessions they already opened. */
    @Test
    void lockingTheObserverEndsTheirObservationButNotTheSession() throws Exception {
        Terminal alice = shell();
        String id = liveId();
        FakeSink sink = new FakeSink();
        stream(call("GET", "/api/v1/live/" + id + "/observe", Map.of(), viewer("auditor"))).start().accept(sink);
        await().atMost(WAIT).until(() -> alice.text().contains("auditor is observing"));
        assertThat(items(call("GET", "/api/v1/live", Map.of(), viewer("admin")))).extracting(m -> m.get("kind"))
                .containsExactlyInAnyOrder("shell", "observe");

        gw.gateway().services().access().lock("admin", dev.gatehouse.policy.Lock.Kind.USER, "auditor", "incident");

        await().atMost(WAIT).until(() -> sink.closed.getCount() == 0);
        assertThat(sink.text()).endsWith("event: end\ndata: {\"reason\":\"user 'auditor' was locked by admin\"}\n\n");
        await().atMost(WAIT).until(() -> alice.text().contains("gatehouse: auditor stopped observing"));
        assertThat(events("session.observe").get(1).details()).containsEntry("reason", "user 'auditor' was locked by admin");
        assertThat(alice.channel.isClosed()).isFalse();
        assertThat(gw.gateway().services().sessions().all()).extracting(dev.gatehouse.gateway.session.LiveSession::id)
                .containsExactly(id);
    }

    @Test
    void aStalledObserverIsDroppedWithoutSlowingTheSession() throws Exception {
        Terminal alice = shell();
        String id = liveId();
        FakeSink stalled = new FakeSink();
        stalled.stallAfter(1); // takes the header, then never returns from a write until released
        stream(call("GET", "/api/v1/live/" + id + "/observe", Map.of(), viewer("auditor"))).start().accept(stalled);
        await().atMost(WAIT).until(() -> alice.text().contains("is observing"));

        // three times what an observer may fall behind, echoed by the node
        String line = "x".repeat(1023) + "\n";
        int lines = 3 * 1024;
        int before = alice.output.size();
        for (int i = 0; i < lines; i++) {
            alice.type(line);
        }
        await("the session's output flows while the observer is stalled").atMost(WAIT)
                .until(() -> alice.output.size() - before >= lines * line.length());
        await().atMost(WAIT).until(() -> alice.text().contains("gatehouse: auditor stopped observing"));
        assertThat(stalled.closed.getCount()).as("still stalled in a write").isEqualTo(1);

        stalled.release();
        await().atMost(WAIT).until(() -> stalled.closed.getCount() == 0);
        assertThat(stalled.text()).contains("event: end\ndata: {\"reason\":\"the observer fell more than 1024 KiB behind");
        AuditEvent end = events("session.observe").get(1);
        assertThat(end.details()).containsEntry("step", "end");
        assertThat((String) end.details().get("reason")).startsWith("the observer fell more than");
        assertThat(alice.channel.isClosed()).isFalse();
    }

    // ---- helpers ----

    /** An interactive shell of alice's on the node, through the gateway, with a pty (80x24). */
    private Terminal shell() throws IOException {
        ClientSession session = gw.connect("alice", "aiops@gpu-node-1");
        ChannelShell channel = session.createShellChannel();
        channel.setUsePty(true);
        channel.setPtyColumns(80);
        channel.setPtyLines(24);
        Terminal t = new Terminal(channel);
        channel.setOut(t.output);
        channel.setErr(t.output);
        channel.open().verify(WAIT);
        open.add(channel);
        t.input = channel.getInvertedIn();
        await().atMost(WAIT).until(() -> t.text().contains("size 80x24"));
        return t;
    }

    private String liveId() {
        List<dev.gatehouse.gateway.session.LiveSession> live = gw.gateway().services().sessions().all();
        assertThat(live).hasSize(1);
        return live.get(0).id();
    }

    private ConsoleViewer viewer(String user) {
        Set<Permission> p = gw.gateway().services().policy().current().evaluator().permissions(user);
        String tenant = gw.gateway().services().policy().current().user(user).flatMap(u -> u.tenant()).orElse(null);
        return new ConsoleViewer(user, tenant, p, "cookie", "sid-" + user, "", "127.0.0.1:50000",
                Instant.now().plusSeconds(3600));
    }

    private ApiResponse call(String method, String path, Map<String, String> body, ConsoleViewer viewer) {
        ApiRoutes.Match m = routes.match(method, path).orElseThrow();
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        body.forEach(json::put);
        return m.endpoint().handle(new ApiRequest(method, path, m.params(), Map.of(), json, viewer));
    }

    private ApiError refusal(String method, String path, Map<String, String> body, ConsoleViewer viewer) {
        try {
            call(method, path, body, viewer);
        } catch (ApiError e) {
            return e;
        }
        throw new AssertionError(method + " " + path + " as " + viewer.user() + " was not refused");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(ApiResponse r) {
        return (List<Map<String, Object>>) ((Map<String, Object>) ((ApiResponse.Json) r).value()).get("items");
    }

    private static ApiResponse.Stream stream(ApiResponse r) {
        assertThat(r).isInstanceOf(ApiResponse.Stream.class);
        ApiResponse.Stream s = (ApiResponse.Stream) r;
        assertThat(s.contentType()).isEqualTo("text/event-stream");
        return s;
    }

    private List<AuditEvent> events(String type) {
        return gw.events(type);
    }

    private AuditEvent one(String type) {
        List<AuditEvent> e = events(type);
        assertThat(e).as(type).hasSize(1);
        return e.get(0);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** A user's terminal: what it showed, and typing into it. */
    private static final class Terminal {
        final ChannelShell channel;
        final ByteArrayOutputStream output = new dev.gatehouse.gateway.testing.SyncBuffer();
        OutputStream input;

        Terminal(ChannelShell channel) {
            this.channel = channel;
        }

        String text() {
            return output.toString(StandardCharsets.UTF_8);
        }

        void type(String s) throws IOException {
            input.write(s.getBytes(StandardCharsets.UTF_8));
            input.flush();
        }
    }

    /** The front controller's end of an event stream: collects what is written; can stall like a client that stopped reading. */
    private static final class FakeSink implements ApiResponse.StreamSink {
        private final StringBuffer written = new StringBuffer();
        private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
        final CountDownLatch closed = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile int stallAfter = Integer.MAX_VALUE;
        private int writes;

        void stallAfter(int n) {
            stallAfter = n;
        }

        void release() {
            released.countDown();
        }

        @Override
        public boolean write(String text) {
            if (writes++ >= stallAfter) {
                try {
                    released.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            written.append(text);
            return closed.getCount() > 0;
        }

        @Override
        public void close() {
            if (closed.getCount() > 0) {
                closed.countDown();
                onClose.forEach(Runnable::run);
            }
        }

        @Override
        public void onClose(Runnable r) {
            onClose.add(r);
        }

        /** The client goes away. */
        void leave() {
            close();
        }

        String text() {
            return written.toString();
        }
    }
}
