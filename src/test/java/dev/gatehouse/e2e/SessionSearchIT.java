package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Searching recorded sessions by the text of the commands they ran, through the real OpenSSH
 * client, the real node's shell and the gateway shell's {@code sessions --command} (the same store
 * search as the console's {@code GET /api/v1/sessions?q=}). Keystrokes are recorded here
 * ({@code record_input: true}), so typed lines are what is indexed; {@link SessionSearchPromptIT}
 * covers the prompt lines of the output.
 */
class SessionSearchIT extends GatewayTest {

    /** Types {@code line} in an interactive session, waits for {@code shown}; returns the ended session's id. */
    static String typedSession(Gateway gw, String line, String shown) {
        Set<String> before = gw.sessions().stream().map(s -> Json.text(s, "id")).collect(Collectors.toSet());
        try (PtySession pty = PtySession.open(gw, gw.alice(), Gateway.TARGET)) {
            pty.awaitAnyOutput();
            pty.type(line + "\n");
            pty.awaitOutput(shown);
            pty.type("exit\n");
            assertThat(pty.awaitExit()).as(pty.describe()).isZero();
        }
        return Json.text(gw.awaitSession("new shell session that ended", s -> !before.contains(Json.text(s, "id"))
                && Json.text(s, "kind").equals("shell") && !Json.text(s, "end").isEmpty()), "id");
    }

    static List<String> found(Gateway gw, String... filters) {
        String command = "sessions --json " + String.join(" ", filters);
        return Json.array(gw.shell(gw.carol(), command).requireSuccess()).stream().map(s -> Json.text(s, "id")).toList();
    }

    @Test
    void aTypedCommandFindsItsSession() {
        String token = Keys.token();
        String id = typedSession(gw, "echo needle-" + token + "-$((6*7))", "needle-" + token + "-42");
        String other = typedSession(gw, "echo other-" + token + "-$((6*7))", "other-" + token + "-42");
        // The typed text, not the output: '$((6*7))' was typed, '42' was shown.
        assertThat(found(gw, "--command", "needle-" + token + "-$((6*7))")).containsExactly(id);
        assertThat(found(gw, "--command", "NEEDLE-" + token, "--kind", "shell", "--user", "alice")).containsExactly(id);
        assertThat(found(gw, "--command", "needle-" + token + "-42")).isEmpty();
        assertThat(found(gw, "--command", "-" + token + "-")).containsExactly(other, id);
    }

    @Test
    void anExecCommandFindsItsSession() {
        String token = Keys.token();
        gw.ssh(gw.alice(), Gateway.TARGET, "echo exec-needle-" + token).requireSuccess();
        JsonNode session = gw.awaitEndedSession("exec-needle-" + token);
        assertThat(found(gw, "--command", "exec-needle-" + token, "--kind", "exec", "--outcome", "success"))
                .containsExactly(Json.text(session, "id"));
        assertThat(found(gw, "--command", "exec-needle-" + token, "--kind", "shell")).isEmpty();
    }

    @Test
    void badFiltersAreRefusedAndSearchNeedsTheAuditPermission() {
        Proc.Result bad = gw.shell(gw.carol(), "sessions --kind telnet");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.stderr()).contains("gatehouse: sessions: --kind must be one of");
        Proc.Result plain = gw.shell(gw.alice(), "sessions --command x");
        assertThat(plain.exit()).isNotZero();
        assertThat(plain.stderr()).contains("sessions needs the audit permission");
    }
}
