package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agent, X11 and TCP forwarding are off by default, and every attempt is an audit event. */
class ForwardingIT extends GatewayTest {

    @TempDir
    Path tmp;

    @BeforeAll
    void start() {
    }

    private void assertForwardRefusedRecorded(List<JsonNode> before) {
        JsonNode e = gw.awaitEvent("forward.refused",
                ev -> Json.type("forward.refused").test(ev) && Json.since(before, List.of(ev)).size() == 1);
        assertThat(Json.text(e, "user")).isEqualTo("alice");
    }

    /** Threat: a node (or its root) uses the engineer's forwarded agent to log in elsewhere as them. */
    @Test
    void agentForwardingIsNotHonoured() throws Exception {
        Path sock = tmp.resolve("agent.sock");
        Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", sock.toString())
                .redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("agent.log").toFile()).start();
        try {
            for (int i = 0; i < 100 && !Files.exists(sock); i++) {
                NodeSshd.sleep(50);
            }
            Map<String, String> env = Map.of("SSH_AUTH_SOCK", sock.toString());
            String cmd = "echo agent=${SSH_AUTH_SOCK-none}";
            Proc.Result direct = node.direct(Accounts.AIOPS, env, List.of("-A"), cmd).requireSuccess();
            assertThat(direct.stdout()).as("control: the node would honour it").doesNotContain("agent=none");

            List<JsonNode> before = gw.auditLog();
            Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, cmd, env, "-A").requireSuccess();
            assertThat(r.stdout().trim()).isEqualTo("agent=none");
            assertForwardRefusedRecorded(before);
        } finally {
            agent.destroy();
            agent.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Threat: X11 forwarding lets a node read the engineer's screen and keystrokes. */
    @Test
    void x11ForwardingIsNotHonoured() {
        List<JsonNode> before = gw.auditLog();
        Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "echo display=${DISPLAY-none}",
                Map.of("DISPLAY", ":99"), "-X").requireSuccess();
        assertThat(r.stdout().trim()).isEqualTo("display=none");
        assertForwardRefusedRecorded(before);
    }

    /** Threat: -L turns the gateway into an open proxy into the node network, unrecorded. */
    @Test
    void localPortForwardingIsNotHonoured() throws Exception {
        int localPort = NodeSshd.freePort();
        List<JsonNode> before = gw.auditLog();
        List<String> cmd = gw.sshPrefix(gw.alice());
        cmd.addAll(List.of("-L", "127.0.0.1:" + localPort + ":127.0.0.1:" + node.port(),
                "-l", Gateway.TARGET, "127.0.0.1", "sleep 8"));
        Process ssh = Proc.builder(cmd, Map.of()).redirectInput(new File("/dev/null"))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("ssh-L.log").toFile()).start();
        try {
            String banner = null;
            for (int i = 0; i < 100 && banner == null; i++) {
                banner = readBanner(localPort);
                if (banner == null) {
                    NodeSshd.sleep(100);
                }
            }
            assertThat(banner).as("the client listened on " + localPort + "\n" + Proc.tail(tmp.resolve("ssh-L.log")))
                    .isNotNull();
            assertThat(banner).as("nothing from the node's sshd came through").doesNotContain("SSH-2.0");
            assertForwardRefusedRecorded(before);
        } finally {
            ssh.destroy();
            ssh.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Connects to the forwarded port; null if nothing listens yet, else what arrived within 3 s. */
    private static String readBanner(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(3000);
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            try {
                int n = in.read(buf);
                return n <= 0 ? "" : new String(buf, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
            } catch (SocketTimeoutException | java.net.SocketException closedOrSilent) {
                return "";
            }
        } catch (IOException notListening) {
            return null;
        }
    }

    /** Threat: -R opens a listener that lets anyone reach back into the engineer's machine. */
    @Test
    void remotePortForwardingIsNotHonoured() {
        int remotePort = NodeSshd.freePort();
        List<JsonNode> before = gw.auditLog();
        Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "sleep 1",
                "-R", "127.0.0.1:" + remotePort + ":127.0.0.1:9", "-o", "ExitOnForwardFailure=yes");
        assertThat(r.exit()).as(r.describe()).isEqualTo(255);
        assertThat(r.stderr()).contains("remote port forwarding failed");
        assertThat(readBanner(remotePort)).as("nothing listens on " + remotePort).isNull();
        assertForwardRefusedRecorded(before);
    }
}
