package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Interactive pty sessions through the real {@code ssh -tt}, and their recordings. */
class InteractiveShellIT extends GatewayTest {

    /** Types a command whose text differs from its output; returns the finished session's id. */
    private String runTypedSession(String token) {
        Set<String> before = gw.sessions().stream().map(s -> Json.text(s, "id")).collect(Collectors.toSet());
        try (PtySession pty = PtySession.open(gw, gw.alice(), Gateway.TARGET)) {
            pty.awaitAnyOutput();
            pty.type("echo typed-marker-" + token + "-$((6*7))\n");
            pty.awaitOutput("typed-marker-" + token + "-42");
            pty.type("exit\n");
            assertThat(pty.awaitExit()).as(pty.describe()).isZero();
        }
        JsonNode session = gw.awaitSession("new shell session of alice that ended",
                s -> !before.contains(Json.text(s, "id")) && Json.text(s, "kind").equals("shell")
                        && !Json.text(s, "end").isEmpty());
        assertThat(Json.text(session, "user")).isEqualTo("alice");
        assertThat(Json.text(session, "login")).isEqualTo(Accounts.AIOPS);
        assertThat(Json.text(session, "node")).isEqualTo(Gateway.NODE);
        return Json.text(session, "id");
    }

    @Test
    void typedShellSessionIsExportedAsAsciicastWithInputAndOutput() {
        String token = Keys.token();
        String id = runTypedSession(token);
        Proc.Result export = gw.cli("export", id).requireSuccess();
        Asciicast cast = Asciicast.parse(export.stdout());
        assertThat(cast.header().path("width").asInt()).isPositive();
        assertThat(cast.header().path("height").asInt()).isPositive();
        assertThat(cast.output()).contains("typed-marker-" + token + "-42");
        // record_input: true, so the keystrokes themselves are in the recording too
        assertThat(cast.input()).contains("echo typed-marker-" + token + "-$((6*7))");
    }

    @Test
    void replayAtHighSpeedPrintsTheRecordedOutput() {
        String token = Keys.token();
        String id = runTypedSession(token);
        long t0 = System.nanoTime();
        Proc.Result replay = gw.cli("replay", id, "--speed", "1000").requireSuccess();
        assertThat(replay.stdout()).contains("typed-marker-" + token + "-42");
        assertThat((System.nanoTime() - t0) / 1_000_000_000).as("seconds to replay at speed 1000").isLessThan(30);
    }

    @Test
    void shellSessionStartAndEndAreAudited() {
        String id = runTypedSession(Keys.token());
        List<JsonNode> events = gw.auditLog();
        assertThat(Json.filter(events, e -> Json.type("session.start").test(e) && Json.text(e, "session_id").equals(id)))
                .singleElement().satisfies(e -> assertThat(Json.detail(e, "kind")).isEqualTo("shell"));
        JsonNode end = gw.awaitEvent("session.end of " + id,
                e -> Json.type("session.end").test(e) && Json.text(e, "session_id").equals(id));
        assertThat(Json.detail(end, "exit_status")).isEqualTo("0");
        assertThat(Json.detail(end, "recording_hash")).isNotEmpty();
    }

    /**
     * The gateway shell plays a recording at the client's pace from a timer; Ctrl-C stops it and
     * the prompt comes back (the old shell held a thread for the whole replay and could not stop).
     */
    @Test
    void ctrlCStopsAReplayInTheInteractiveGatewayShell() {
        String token = Keys.token();
        Set<String> before = gw.sessions().stream().map(s -> Json.text(s, "id")).collect(Collectors.toSet());
        try (PtySession pty = PtySession.open(gw, gw.alice(), Gateway.TARGET)) {
            pty.awaitAnyOutput();
            // the typed text differs from the output, so output can be told from the echo
            pty.type("echo start-$((6*7))-" + token + "; sleep 3; echo end-$((7*8))-" + token + "\n");
            pty.awaitOutput("end-56-" + token);
            pty.type("exit\n");
            assertThat(pty.awaitExit()).as(pty.describe()).isZero();
        }
        JsonNode session = gw.awaitSession("the recorded session", s -> !before.contains(Json.text(s, "id"))
                && Json.text(s, "kind").equals("shell") && !Json.text(s, "end").isEmpty());
        try (PtySession shell = PtySession.open(gw, gw.carol(), "carol")) {
            shell.awaitOutput("gatehouse> ");
            // speed 0.2: the pause before the last line (3 s, replayed as at most 2 s) takes 10 s
            shell.type("replay " + Json.text(session, "id") + " --speed 0.2\n");
            shell.awaitOutput("start-42-" + token);
            shell.type("\u0003");
            shell.awaitOutput("^C");
            shell.type("whoami\n");
            shell.awaitOutput("roles: auditor");
            assertThat(shell.output()).as("the replay stopped in the pause").doesNotContain("end-56-" + token);
            shell.type("exit\n");
            assertThat(shell.awaitExit()).as(shell.describe()).isZero();
        }
    }
}
