package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Non-interactive commands through the gateway: output, exit status, env and the certificate. */
class ExecIT extends GatewayTest {

    @Test
    void execOutputIsPassedThroughWithTheContractAddressing() {
        List<String> cmd = gw.sshPrefix(gw.alice());
        cmd.addAll(List.of(Gateway.TARGET + "@127.0.0.1", "echo hello"));
        Proc.Result r = Proc.run(cmd);
        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.stdout()).isEqualTo("hello\n");
    }

    @Test
    void remoteExitStatusIsPassedThrough() {
        Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "exit 7");
        assertThat(r.exit()).as(r.describe()).isEqualTo(7);
    }

    @Test
    void stderrStaysSeparateFromStdout() {
        Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "echo to-out; echo to-err 1>&2");
        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.stdout()).isEqualTo("to-out\n");
        assertThat(r.stderr()).contains("to-err").doesNotContain("to-out");
    }

    @Test
    void remoteCommandRunsAsTheNonRootLogin() {
        Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "id -un; id -u").requireSuccess();
        String[] lines = r.stdout().trim().split("\n");
        assertThat(lines[0]).isEqualTo(Accounts.AIOPS);
        assertThat(lines[1]).isNotEqualTo("0");
    }

    @Test
    void remoteSignalDeathLooksTheSameAsWithoutTheGateway() {
        String cmd = "kill -TERM $$";
        Proc.Result direct = node.direct(Accounts.AIOPS, Map.of(), List.of(), cmd);
        Proc.Result via = gw.ssh(gw.alice(), Gateway.TARGET, cmd);
        assertThat(via.exit()).as("direct:\n" + direct.describe() + "\nvia gateway:\n" + via.describe())
                .isEqualTo(direct.exit());
    }

    /** Threat: arbitrary client environment (LD_PRELOAD, FOO...) reaches the node's login environment. */
    @Test
    void onlyAllowListedEnvironmentReachesTheNode() {
        Map<String, String> env = Map.of("LANG", "C.UTF-8", "FOO", "leaked-through");
        String cmd = "echo lang=${LANG-unset} foo=${FOO-unset}";
        String[] send = {"-o", "SendEnv=LANG", "-o", "SendEnv=FOO"};
        // control: the node itself accepts FOO, so only the gateway can be what drops it
        Proc.Result direct = node.direct(Accounts.AIOPS, env, List.of(send), cmd).requireSuccess();
        assertThat(direct.stdout().trim()).isEqualTo("lang=C.UTF-8 foo=leaked-through");

        Proc.Result via = gw.ssh(gw.alice(), Gateway.TARGET, cmd, env, send).requireSuccess();
        assertThat(via.stdout().trim()).isEqualTo("lang=C.UTF-8 foo=unset");
    }

    /**
     * {@code LC_*} matches as OpenSSH's {@code AcceptEnv LC_*} does (any run of characters), so
     * names with digits or lower case reach the node as on a direct login; a refused name is audited.
     */
    @Test
    void localeVariablesOfAnyNameReachTheNodeAsOnADirectLogin() {
        String marker = "env-refused-" + Keys.token().toLowerCase();
        Map<String, String> env = Map.of("LC_QA2", "sent");
        String cmd = "echo qa1=${LC_QA1-unset} qa=${LC_qa-unset} qa2=${LC_QA2-unset} empty=$(env | grep -c '^LC_=')";
        String[] options = {"-o", "SetEnv=LC_QA1=x LC_qa=y LC_=z FOO_" + marker + "=w", "-o", "SendEnv=LC_QA2"};
        Proc.Result direct = node.direct(Accounts.AIOPS, env, List.of(options), cmd).requireSuccess();
        assertThat(direct.stdout().trim()).isEqualTo("qa1=x qa=y qa2=sent empty=1");

        Proc.Result via = gw.ssh(gw.alice(), Gateway.TARGET, cmd, env, options).requireSuccess();
        assertThat(via.stdout().trim()).isEqualTo(direct.stdout().trim());
        JsonNode refused = gw.awaitEvent("channel.refused for FOO_" + marker,
                e -> Json.type("channel.refused").test(e) && ("FOO_" + marker).equals(Json.detail(e, "name")));
        assertThat(Json.detail(refused, "request")).isEqualTo("env");
        assertThat(Json.text(refused, "user")).isEqualTo("alice");
    }

    @Test
    void nodeSeesTheCertificateKeyIdAndSerialRecordedInTheAuditLog() {
        int logLinesBefore = node.logLines().size();
        gw.ssh(gw.alice(), Gateway.TARGET, "true").requireSuccess();
        List<String> newLines = node.logLines().subList(logLinesBefore, node.logLines().size());
        Pattern accepted = Pattern.compile("Accepted publickey for " + Accounts.AIOPS
                + " from .* ID \"?(user=alice;session=([^;\" ]+)[^\" ]*)\"? \\(serial (\\d+)\\)");
        Matcher m = newLines.stream().map(accepted::matcher).filter(Matcher::find).findFirst()
                .orElseThrow(() -> new AssertionError("no certificate login in the node log:\n"
                        + String.join("\n", newLines)));
        String keyId = m.group(1);
        String sessionId = m.group(2);
        String serial = m.group(3);

        JsonNode issued = gw.awaitEvent("cert.issued with serial " + serial,
                e -> Json.type("cert.issued").test(e) && serial.equals(Json.text(e, "cert_serial")));
        assertThat(Json.detail(issued, "key_id")).isEqualTo(keyId);
        assertThat(Json.text(issued, "user")).isEqualTo("alice");
        assertThat(Json.text(issued, "login")).isEqualTo(Accounts.AIOPS);
        assertThat(Json.text(issued, "node")).isEqualTo(Gateway.NODE);
        assertThat(Json.text(issued, "session_id")).isEqualTo(sessionId);
        assertThat(Json.detail(issued, "valid_after")).isNotEmpty();
        assertThat(Json.detail(issued, "valid_before")).isNotEmpty();
    }

    @Test
    void execSessionIsListedAndAudited() {
        String marker = "exec-marker-" + Keys.token();
        gw.ssh(gw.alice(), Gateway.TARGET, "echo " + marker).requireSuccess();
        JsonNode session = gw.awaitEndedSession(marker);
        String id = Json.text(session, "id");
        assertThat(Json.text(session, "user")).isEqualTo("alice");
        assertThat(Json.text(session, "login")).isEqualTo(Accounts.AIOPS);
        assertThat(Json.text(session, "node")).isEqualTo(Gateway.NODE);
        assertThat(Json.text(session, "kind")).isEqualTo("exec");
        assertThat(Json.text(session, "source")).contains("127.0.0.1");
        assertThat(Json.text(session, "exit_status")).isEqualTo("0");
        assertThat(Json.text(session, "start")).isNotEmpty();

        List<JsonNode> events = gw.auditLog();
        JsonNode start = Json.filter(events, e -> Json.type("session.start").test(e)
                && Json.text(e, "session_id").equals(id)).stream().findFirst()
                .orElseThrow(() -> new AssertionError("no session.start for " + id + "\n" + Json.tail(events, 20)));
        assertThat(Json.detail(start, "kind")).isEqualTo("exec");
        assertThat(Json.detail(start, "command")).contains(marker);
        assertThat(Json.text(start, "user")).isEqualTo("alice");
        JsonNode end = gw.awaitEvent("session.end for " + id,
                e -> Json.type("session.end").test(e) && Json.text(e, "session_id").equals(id));
        assertThat(Json.detail(end, "exit_status")).isEqualTo("0");
        assertThat(Json.detail(end, "recording_hash")).isNotEmpty();

        Proc.Result replay = gw.cli("replay", id, "--speed", "1000").requireSuccess();
        assertThat(replay.stdout()).contains(marker);
    }
}
