package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Threat: text an attacker chose (a login name, an exec command) reaches an auditor's terminal raw
 * through a listing: 8-bit controls (U+009B is CSI to a VT terminal), bidi overrides that reorder
 * what a line says, zero-width characters that hide a difference. The OpenSSH client itself refuses
 * 7-bit controls in user names, so those are covered by the gateway's in-process tests with a
 * client that sends them.
 */
class HostileTextIT extends GatewayTest {
    /** CSI, a right-to-left override and a zero-width space, all valid UTF-8 the OpenSSH client passes on. */
    private static final String HOSTILE = "\u009b2J\u202etxt.exe\u200b";

    @Test
    void aRefusedLoginNameIsEscapedInTheAuditLogAndExactInItsJson() {
        String sshUser = "ops" + HOSTILE + "@" + Gateway.NODE;
        Proc.Result refused = gw.ssh(gw.alice(), sshUser, "true");
        assertThat(refused.exit()).as(refused.describe()).isEqualTo(1);
        assertNothingRaw(refused.stderr());

        gw.awaitEvent("the refusal", e -> Json.type("session.denied").test(e) && Json.detail(e, "ssh_user").equals(sshUser));
        Proc.Result log = gw.cli("audit", "log", "--type", "session.denied").requireSuccess();
        assertNothingRaw(log.stdout());
        assertThat(log.stdout()).contains("ssh_user=ops\\x9b2J\\u202etxt.exe\\u200b@" + Gateway.NODE);

        Proc.Result json = gw.cli("audit", "log", "--type", "session.denied", "--json").requireSuccess();
        assertThat(json.stdout().strip()).as("JSON is ASCII, with \\uXXXX escapes").matches("\\p{ASCII}*");
        assertThat(Json.array(json).stream().map(e -> Json.detail(e, "ssh_user")).toList()).contains(sshUser);
    }

    @Test
    void anExecCommandIsEscapedInEverySessionsListing() {
        String marker = "hostile-" + Keys.token();
        gw.ssh(gw.alice(), Gateway.TARGET, "echo " + marker + " '" + HOSTILE + "'").requireSuccess();
        gw.awaitEndedSession(marker);

        for (Proc.Result listing : List.of(gw.cli("sessions").requireSuccess(), gw.shell(gw.carol(), "sessions").requireSuccess())) {
            assertThat(listing.stdout()).contains(marker + " '\\x9b2J\\u202etxt.exe\\u200b'");
            assertNothingRaw(listing.stdout());
        }
        List<JsonNode> json = gw.sessions();
        assertThat(json.stream().map(s -> Json.text(s, "command")).filter(c -> c.contains(marker)).toList())
                .as("--json keeps the command exact").containsExactly("echo " + marker + " '" + HOSTILE + "'");
    }

    /** No C0 or C1 control, bidi control, zero-width or other invisible character but the line feeds. */
    private static void assertNothingRaw(String output) {
        String shown = output.replace("\r\n", "\n");
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            boolean raw = (c < 0x20 && c != '\n') || (c >= 0x7f && c <= 0x9f) || Character.getType(c) == Character.FORMAT;
            assertThat(raw).as("raw U+%04X at %d in:\n%s", (int) c, i, output).isFalse();
        }
    }
}
