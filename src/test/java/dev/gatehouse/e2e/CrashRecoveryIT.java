package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Threat: killing the gateway (OOM killer, power loss, an intruder's kill -9) erases the record of
 * what a live session did, or leaves a store that no longer verifies.
 */
class CrashRecoveryIT extends GatewayTest {

    @Test
    void killNineKeepsWhatWasPrintedAndRestartClosesTheSessionAsInterrupted() {
        String token = Keys.token();
        Set<String> before = gw.sessions().stream().map(s -> Json.text(s, "id")).collect(Collectors.toSet());
        try (PtySession pty = PtySession.open(gw, gw.alice(), Gateway.TARGET)) {
            pty.awaitAnyOutput();
            pty.type("echo crash-marker-" + token + "-$((6*7))\n");
            pty.awaitOutput("crash-marker-" + token + "-42");
            NodeSshd.sleep(2000); // far beyond the ~250 ms the contract allows to be lost
            gw.kill9();
            pty.awaitExit(); // the client notices the dead connection
        }
        gw.restart();

        JsonNode session = gw.awaitSession("the killed shell session",
                s -> !before.contains(Json.text(s, "id")) && Json.text(s, "kind").equals("shell"));
        String id = Json.text(session, "id");
        JsonNode end = gw.awaitEvent("session.end with outcome interrupted for " + id,
                e -> Json.type("session.end").test(e) && id.equals(Json.text(e, "session_id")));
        assertThat(Json.text(end, "outcome")).isEqualTo("interrupted");

        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as(verify.describe()).isZero();

        Proc.Result export = gw.cli("export", id).requireSuccess();
        assertThat(Asciicast.parse(export.stdout()).output()).contains("crash-marker-" + token + "-42");

        // and the restarted gateway serves as before
        Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "echo after-restart").requireSuccess();
        assertThat(r.stdout()).isEqualTo("after-restart\n");
        assertThat(gw.stop()).as(gw.log()).isZero();
        Proc.Result verifyAfterStop = gw.cli("audit", "verify");
        assertThat(verifyAfterStop.exit()).as(verifyAfterStop.describe()).isZero();
    }
}
