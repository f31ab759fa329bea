package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code env} requests (RFC 4254 section 6.4) that pass the allow-list are bounded in number per
 * channel, as OpenSSH's sshd bounds them (session.c: more than 128 are ignored): the gateway
 * stores every accepted variable until the channel starts and then sends each one to the node.
 */
@org.junit.jupiter.api.Timeout(60)
class EnvRequestBoundTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int SENT = 2_000;

    @TempDir
    Path dir;

    /**
     * Threat: an authenticated user sends thousands of {@code LC_*} variables with large values on
     * each of many channels, and the gateway holds (and relays to the node) all of them: memory
     * without bound on the gateway and an environment no direct login to an OpenSSH node would get.
     */
    @Test
    void anEnvRequestFloodOfAllowedNamesIsCutAtOpenSshsBound() throws Exception {
        CompletableFuture<Map<String, String>> seen = new CompletableFuture<>();
        try (TestNode node = TestNode.accepting();
                InProcessGateway gw = InProcessGateway.start(dir, Policies.engineer(node.port(), node.hostKeyLine()), "alice")) {
            node.server.setCommandFactory((channel, command) -> new EnvProbe(seen));
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            ChannelExec exec = alice.createExecChannel("env");
            String value = "x".repeat(1024);
            for (int i = 0; i < SENT; i++) {
                exec.setEnv("LC_V" + i, value);
            }
            exec.setOut(new ByteArrayOutputStream());
            exec.setErr(new ByteArrayOutputStream());
            exec.open().verify(WAIT);
            exec.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);

            Map<String, String> env = seen.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            long relayed = env.keySet().stream().filter(k -> k.startsWith("LC_V")).count();
            assertThat(relayed).as("LC_* variables the gateway accepted and relayed of " + SENT).isLessThanOrEqualTo(128);
        }
    }

    /** Reports the environment the node's command got, then exits. */
    private static final class EnvProbe implements Command {
        private final CompletableFuture<Map<String, String>> seen;
        private ExitCallback exit;

        EnvProbe(CompletableFuture<Map<String, String>> seen) {
            this.seen = seen;
        }

        @Override public void setInputStream(InputStream in) { }
        @Override public void setOutputStream(OutputStream out) { }
        @Override public void setErrorStream(OutputStream err) { }
        @Override public void setExitCallback(ExitCallback value) { exit = value; }
        @Override public void destroy(ChannelSession channel) { }

        @Override
        public void start(ChannelSession channel, Environment env) {
            seen.complete(Map.copyOf(env.getEnv()));
            exit.onExit(0);
        }
    }
}
