package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The gateway's own command shell (user name without '@') and the local operator CLI. */
class GatewayShellIT extends GatewayTest {

    @BeforeAll
    void start() {
        // one finished session so that listings have something in them
        gw.ssh(gw.alice(), Gateway.TARGET, "echo shell-it-seed").requireSuccess();
        gw.awaitEndedSession("shell-it-seed");
    }

    @Test
    void whoamiPrintsTheUserAndRoles() {
        Proc.Result r = gw.ssh(gw.alice(), "alice", "whoami").requireSuccess();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines.get(0).trim()).isEqualTo("alice");
        assertThat(r.stdout()).contains("engineer");
        Proc.Result c = gw.ssh(gw.carol(), "carol", "whoami").requireSuccess();
        assertThat(c.stdout().lines().findFirst().orElse("").trim()).isEqualTo("carol");
        assertThat(c.stdout()).contains("auditor");
    }

    @Test
    void nodesListsTheReachableNode() {
        Proc.Result r = gw.ssh(gw.alice(), "alice", "nodes").requireSuccess();
        assertThat(r.stdout()).contains(Gateway.NODE);
    }

    @Test
    void helpListsCommands() {
        Proc.Result r = gw.ssh(gw.alice(), "alice", "help").requireSuccess();
        assertThat(r.stdout()).contains("whoami").contains("nodes");
    }

    @Test
    void unknownGatewayCommandIsRefusedWithOneLine() {
        Proc.Result r = gw.ssh(gw.alice(), "alice", "frobnicate --now");
        assertThat(r.exit()).as(r.describe()).isNotZero();
        assertThat((r.stdout() + r.stderr()).strip().lines().count()).as(r.describe()).isEqualTo(1);
    }

    @Test
    void auditorListsSessionsAsJson() {
        Proc.Result r = gw.ssh(gw.carol(), "carol", "sessions --json").requireSuccess();
        List<JsonNode> sessions = Json.array(r);
        assertThat(sessions).anySatisfy(s -> assertThat(Json.text(s, "command")).contains("shell-it-seed"));
    }

    /** Threat: an engineer reads other people's sessions (commands, output) without the audit permission. */
    @Test
    void engineerCannotListSessions() {
        Proc.Result r = gw.ssh(gw.alice(), "alice", "sessions --json");
        assertThat(r.exit()).as(r.describe()).isNotZero();
        assertThat(r.stdout()).doesNotContain("shell-it-seed");
        assertThat((r.stdout() + r.stderr()).strip().lines().count()).as(r.describe()).isEqualTo(1);
    }

    /** Threat: an engineer replays another session's recording without the audit permission. */
    @Test
    void engineerCannotReplay() {
        String id = Json.text(gw.awaitEndedSession("shell-it-seed"), "id");
        Proc.Result r = gw.ssh(gw.alice(), "alice", "replay " + id);
        assertThat(r.exit()).as(r.describe()).isNotZero();
        assertThat(r.stdout()).doesNotContain("shell-it-seed");
    }

    @Test
    void auditorReplaysASession() {
        String id = Json.text(gw.awaitEndedSession("shell-it-seed"), "id");
        Proc.Result r = gw.ssh(gw.carol(), "carol", "replay " + id).requireSuccess();
        assertThat(r.stdout()).contains("shell-it-seed");
    }

    /**
     * Threat: a user records output that acts on the auditor's terminal when it is replayed: OSC 52
     * sets the auditor's clipboard (a command to paste), CSI 6n makes the terminal type an answer
     * into the auditor's input. Replay (over SSH and on the gateway host) shows the text, not those.
     */
    @Test
    void replayDropsSequencesThatActOnTheAuditorsTerminal() {
        gw.ssh(gw.alice(), Gateway.TARGET, "printf 'replay-osc-seed\\033]52;c;Y3VybCBldmlsIHwgc2g=\\007 shown-text\\033[6n done\\n'")
                .requireSuccess();
        String id = Json.text(gw.awaitEndedSession("replay-osc-seed"), "id");
        for (Proc.Result r : List.of(gw.ssh(gw.carol(), "carol", "replay " + id).requireSuccess(),
                gw.cli("replay", id, "--speed", "1000").requireSuccess())) {
            assertThat(r.stdout()).as(r.describe()).contains("shown-text").contains("done")
                    .doesNotContain("\u001b]52").doesNotContain("Y3VybCBldmlsIHwgc2g=").doesNotContain("\u001b[6n");
        }
    }

    @Test
    void localCliListsSessionsNewestFirst() {
        gw.ssh(gw.alice(), Gateway.TARGET, "echo newer-session").requireSuccess();
        gw.awaitEndedSession("newer-session");
        List<JsonNode> sessions = gw.sessions();
        assertThat(Json.text(sessions.get(0), "command")).contains("newer-session");
        for (String field : List.of("id", "user", "login", "node", "kind", "command", "source", "start", "end",
                "exit_status", "outcome")) {
            assertThat(sessions.get(0).has(field)).as("field " + field + " in " + sessions.get(0)).isTrue();
        }
    }

    @Test
    void localCliAuditLogHasTheContractFields() {
        List<JsonNode> events = gw.auditLog();
        assertThat(events).isNotEmpty();
        for (String field : List.of("id", "type", "time", "outcome", "user", "node", "login", "cert_serial",
                "grant_id", "session_id", "source", "details")) {
            assertThat(events).allSatisfy(e -> assertThat(e.has(field)).as("field " + field + " in " + e).isTrue());
        }
        assertThat(events).anySatisfy(e -> assertThat(Json.text(e, "type")).isEqualTo("auth.success"));
        assertThat(events).anySatisfy(e -> assertThat(Json.text(e, "type")).isEqualTo("session.start"));
    }

    @Test
    void auditVerifyIsCleanWhileRunning() {
        Proc.Result r = gw.cli("audit", "verify");
        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.stdout() + r.stderr()).isNotBlank();
    }
}
