package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.gateway.cli.Main;
import dev.gatehouse.policy.Printable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;

/**
 * Threat: a name the attacker chose reaches an auditor's terminal raw. The OpenSSH client refuses
 * control characters in user names, but any other client sends them: here MINA's sends ESC, an
 * OSC 52 clipboard write, CR and NUL in the user name of a refused login, and the local CLI's
 * {@code audit log} must print them escaped (and exactly, in JSON).
 */
class HostileTextTest extends InProcessGatewayTest {
    private static final String HOSTILE_LOGIN = "aiops\u001b]52;c;cm0gLXJmIH4K\u0007\r\u0000\u009b2J\u202e";

    @Test
    void aRefusedLoginNameReachesTheAuditLogEscapedAndJsonExact() throws Exception {
        try (ClientSession session = gw.connect("alice", HOSTILE_LOGIN + "@gpu-node-1");
                ChannelExec exec = session.createExecChannel("true")) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            exec.setErr(err);
            exec.open().verify(Duration.ofSeconds(10));
            exec.waitFor(java.util.EnumSet.of(org.apache.sshd.client.channel.ClientChannelEvent.CLOSED), Duration.ofSeconds(10));
            String refusal = err.toString(StandardCharsets.UTF_8);
            assertThat(refusal).as("the refusal on the user's own terminal is escaped too").startsWith("gatehouse: ");
            assertThat(Printable.firstUnsafe(refusal.replace("\r\n", ""))).as(refusal).isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !events("session.denied", "alice").isEmpty());

        String text = cli("audit", "log", "--type", "session.denied");
        assertThat(text).contains("ssh_user=" + Printable.escape(HOSTILE_LOGIN + "@gpu-node-1"));
        assertThat(Printable.firstUnsafe(text.replace("\n", ""))).as(text).isEqualTo(-1);

        String json = cli("audit", "log", "--type", "session.denied", "--json");
        assertThat(json.strip()).matches("\\p{ASCII}*");
        JsonNode event = new ObjectMapper().readTree(json).get(0);
        assertThat(event.path("details").path("ssh_user").asText()).isEqualTo(HOSTILE_LOGIN + "@gpu-node-1");
    }

    @Test
    void aReasonThatWouldHideOrReorderTextIsRefusedWithItsCodePoint() throws Exception {
        InProcessGateway.Result r = gw.exec("alice", "request mlops@gpu-node-1 --for 30m --reason 'fix \u202edriver'");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("gatehouse: command contains an invisible or formatting character (U+202E)\n");
        assertThat(gw.gateway().services().access().state().requests()).isEmpty();
    }

    /** Runs the local CLI against this gateway's store; returns its stdout. */
    private String cli(String... args) {
        String[] full = new String[args.length + 2];
        System.arraycopy(args, 0, full, 0, args.length);
        full[args.length] = "--config";
        full[args.length + 1] = dir.resolve("gatehouse.yaml").toString();
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(Main.execute(full)).isZero();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
