package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Live sessions end to end, with the real OpenSSH client and a real sshd node: an admin lists the
 * gateway's live sessions and terminates one with a reason, which the user's {@code ssh} shows
 * before it exits 255. Threat: a session an admin must stop keeps running, the user is cut without
 * being told why, or another tenant's admin (or an auditor) stops it.
 */
class LiveSessionIT extends GatewayTest {
    @Override
    Gateway.Options options() {
        return Elevations.options(false).web();
    }

    @Test
    void anAdminTerminatesALiveSessionAndTheUsersSshShowsWhoAndWhy() {
        Gateway.User alice = gw.alice();
        Gateway.User bob = gw.user("bob");
        Gateway.User erin = gw.user("erin");
        Gateway.User frank = gw.user("frank");
        try (LiveSsh live = LiveSsh.open(gw, alice, Gateway.TARGET)) {
            String id = liveId(bob, alice.name());

            assertRefused(gw.shell(erin, "terminate " + id + " --reason nope"), "you need the admin permission to terminate sessions");
            // another tenant's admin: the session is not there for them
            assertThat(Json.array(gw.shell(frank, "live --json").requireSuccess())).as("only frank's own gateway shell")
                    .extracting(s -> Json.text(s, "user")).containsOnly("frank");
            assertRefused(gw.shell(frank, "terminate " + id + " --reason nope"), "no live session '" + id + "'");
            assertThat(live.isAlive()).as("no refusal touched the session\n" + live.describe()).isTrue();

            gw.shell(bob, "terminate " + id + " --reason 'e2e: runaway job on the gpu'").requireSuccess();
            int exit = live.awaitExit(Duration.ofSeconds(10));
            assertThat(exit).as(live.describe()).isEqualTo(255);
            assertThat(live.stderr()).contains("gatehouse: session terminated by bob: e2e: runaway job on the gpu");
        }
        JsonNode terminated = gw.awaitEvent("session.terminated", e -> Json.type("session.terminated").test(e)
                && "e2e: runaway job on the gpu".equals(Json.detail(e, "reason")));
        assertThat(Json.text(terminated, "user")).isEqualTo("bob");
        assertThat(Json.detail(terminated, "session_user")).isEqualTo("alice");
        assertThat(Json.detail(terminated, "reason")).isEqualTo("e2e: runaway job on the gpu");
        assertThat(gw.auditLog().stream().filter(Json.type("terminate.refused")).toList()).hasSize(2);
    }

    /**
     * The console API with the real curl and an api-token: an admin finds alice's interactive
     * shell, watches it live with {@code curl -N} while alice is told who watches, sees her command's
     * output as it happens, then terminates the session; her {@code ssh -tt} shows the reason.
     */
    @Test
    void anAdminObservesALiveShellWithCurlAndTerminatesItOverTheApi() {
        Gateway.User bob = gw.user("bob");
        String[] lines = gw.shell(bob, "api-token --for 1h").requireSuccess().stdout().strip().split("\n");
        String auth = "Authorization: Bearer " + lines[lines.length - 1].strip();
        Web web = Web.of(gw);
        try (PtySession alice = PtySession.open(gw, gw.alice(), Gateway.TARGET).awaitAnyOutput()) {
            Web.Response list = web.request(web.consoleUrl("/api/v1/live"), "-H", auth);
            assertThat(list.status()).as(list.describe()).isEqualTo(200);
            JsonNode shell = null;
            for (JsonNode s : Json.parse(list.body()).get("items")) {
                if ("alice".equals(Json.text(s, "user")) && "shell".equals(Json.text(s, "kind"))) {
                    shell = s;
                }
            }
            assertThat(shell).as(list.describe()).isNotNull();
            assertThat(shell.get("observable").asBoolean()).isTrue();
            String id = Json.text(shell, "id");

            try (Web.Stream watch = web.stream(web.consoleUrl("/api/v1/live/" + id + "/observe"), "-H", auth)) {
                List<Web.Line> head = watch.awaitLines(2, Duration.ofSeconds(20));
                assertThat(head.get(0).text()).isEqualTo("event: header");
                assertThat(head.get(1).text()).startsWith("data: {\"version\":2,");
                awaitTerminal(alice, "gatehouse: bob is observing this session (read-only)");

                alice.type("echo observed-$((6*7))\r");
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (watch.lines().stream().noneMatch(l -> l.text().contains("observed-42")) && System.nanoTime() < deadline) {
                    NodeSshd.sleep(50);
                }
                assertThat(watch.lines()).as(watch.describe()).anySatisfy(l -> assertThat(l.text())
                        .startsWith("data: [").contains(",\"o\",\"").contains("observed-42"));

                Web.Response done = web.request(web.consoleUrl("/api/v1/live/" + id + "/terminate"), "-X", "POST", "-H", auth,
                        "-H", "Content-Type: application/json", "--data", "{\"reason\": \"e2e: done watching\"}");
                assertThat(done.status()).as(done.describe()).isEqualTo(200);
                assertThat(alice.awaitExit()).as(alice.describe()).isEqualTo(255);
                assertThat(alice.describe()).contains("gatehouse: session terminated by bob: e2e: done watching");
                assertThat(watch.awaitExit(Duration.ofSeconds(20))).as(watch.describe()).isZero();
                assertThat(watch.lines()).extracting(Web.Line::text).contains("event: end", "data: {\"reason\":\"the session ended\"}");
            }
        }
        JsonNode start = gw.awaitEvent("session.observe start", e -> Json.type("session.observe").test(e)
                && "start".equals(Json.detail(e, "step")));
        assertThat(Json.text(start, "user")).isEqualTo("bob");
        assertThat(Json.detail(start, "via")).isEqualTo("token");
        gw.awaitEvent("session.observe end", e -> Json.type("session.observe").test(e) && "end".equals(Json.detail(e, "step")));
    }

    /**
     * {@code observe ID} in the gateway shell, both sides on the real {@code ssh -tt}: bob watches
     * alice's shell on the real sshd node from his gateway shell. Threats: the observer's keys reach
     * the session; alice, who controls every byte bob's terminal is shown, writes bob's clipboard
     * (OSC 52) or makes his terminal answer (device status); the observation goes unaudited.
     */
    @Test
    void anAdminObservesALiveShellFromTheGatewayShellReadOnlyAndFiltered() {
        Gateway.User bob = gw.user("bob");
        try (PtySession alice = PtySession.open(gw, gw.alice(), Gateway.TARGET).awaitAnyOutput()) {
            String id = liveId(bob, "alice");
            try (PtySession watcher = PtySession.open(gw, bob, bob.name()).awaitOutput("gatehouse> ")) {
                watcher.type("observe " + id + "\r");
                watcher.awaitOutput("press q or Ctrl-C to stop");
                assertThat(watcher.output()).contains("gatehouse: observing alice on " + Gateway.TARGET + ", session " + id + " (shell)");
                awaitTerminal(alice, "gatehouse: bob is observing this session (read-only)");

                watcher.type("touch /tmp/typed-by-the-observer\r");
                alice.type("printf 'A\\033]52;c;ZXZpbA==\\007B\\033[6nC-%s\\n' $((6*7))\r");
                watcher.awaitOutput("ABC-42");
                awaitTerminal(alice, "\u001b]52;c;ZXZpbA==");
                assertThat(watcher.output()).as("the clipboard write and the status request never reach bob's terminal")
                        .doesNotContain("\u001b]52").doesNotContain("\u001b[6n");

                watcher.type("q");
                watcher.awaitOutput("gatehouse: stopped observing");
                awaitTerminal(alice, "gatehouse: bob stopped observing");
                watcher.type("exit\r");
                assertThat(watcher.awaitExit()).as(watcher.describe()).isZero();
                alice.type("ls /tmp/typed-by-the-observer; echo listed-$((6*7))\r");
                awaitTerminal(alice, "listed-42");
                assertThat(alice.output()).as("the observer's keys never reached the session").contains("No such file");
            }
        }
        // the gateway (and its audit log) is shared by this class's tests: only the shell's observation counts here
        JsonNode start = gw.awaitEvent("session.observe start via shell", e -> Json.type("session.observe").test(e)
                && "start".equals(Json.detail(e, "step")) && "shell".equals(Json.detail(e, "via")));
        assertThat(Json.text(start, "user")).isEqualTo("bob");
        assertThat(Json.detail(start, "session_user")).isEqualTo("alice");
        JsonNode end = gw.awaitEvent("session.observe end via shell", e -> Json.type("session.observe").test(e)
                && "end".equals(Json.detail(e, "step")) && "shell".equals(Json.detail(e, "via")));
        assertThat(Json.detail(end, "reason")).isEqualTo("the observer stopped");
    }

    private static void awaitTerminal(PtySession session, String needle) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!session.describe().contains(needle) && System.nanoTime() < deadline) {
            NodeSshd.sleep(50);
        }
        assertThat(session.describe()).contains(needle);
    }

    /** The id of {@code user}'s one live session, as {@code live --json} shows it to {@code admin}. */
    private String liveId(Gateway.User admin, String user) {
        List<JsonNode> live = Json.array(gw.shell(admin, "live --json").requireSuccess()).stream()
                .filter(s -> user.equals(Json.text(s, "user"))).toList();
        assertThat(live).as("live sessions of " + user).hasSize(1);
        assertThat(Json.text(live.get(0), "node")).isEqualTo(Gateway.NODE);
        return Json.text(live.get(0), "id");
    }
}
