package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.SshKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's stderr flood many times the client's channel window reaches the client whole: stderr
 * writes that waited for the client's window must resume when it opens (RFC 4254 section 5.2:
 * stdout and stderr share one window), or the session freezes for good.
 */
class StderrFloodTest {
    /** Bytes each stream of the node's command writes: 128 client windows. */
    private static final int FLOOD = 8 * 1024 * 1024;
    /** The client's window: small, so the gateway waits for it again and again. */
    private static final int CLIENT_WINDOW = 64 * 1024;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private SshServer node;
    private KeyPair nodeKey;

    @BeforeEach
    void startNode() throws IOException {
        node = SshServer.setUpDefaultServer();
        node.setHost("127.0.0.1");
        node.setPort(0);
        nodeKey = SshKeys.generateEd25519();
        node.setKeyPairProvider(KeyPairProvider.wrap(nodeKey));
        node.setPublickeyAuthenticator((user, key, session) -> true);
        node.setCommandFactory((channel, command) -> new Flood(Set.of(command.split(" "))));
        node.start();
    }

    @AfterEach
    void stopNode() throws IOException {
        node.stop(true);
    }

    @Test
    void aStderrFloodLargerThanTheWindowArrivesWhole() throws Exception {
        Counted got = run("stderr");
        assertThat(got).isEqualTo(new Counted(0, FLOOD, 0));
    }

    @Test
    void stdoutAndStderrFloodsTogetherArriveWhole() throws Exception {
        Counted got = run("stdout stderr");
        assertThat(got).isEqualTo(new Counted(FLOOD, FLOOD, 0));
    }

    private Counted run(String command) throws Exception {
        String nodeLine = SshKeys.toLine(nodeKey.getPublic());
        int port = node.getPort();
        try (InProcessGateway gw = InProcessGateway.start(dir, Policies.engineer(port, nodeLine), "alice");
                ClientSession session = gw.connect("alice", "aiops@gpu-node-1")) {
            CoreModuleProperties.WINDOW_SIZE.set(session, (long) CLIENT_WINDOW);
            AtomicLong out = new AtomicLong();
            AtomicLong err = new AtomicLong();
            try (ChannelExec channel = session.createExecChannel(command)) {
                channel.setOut(counting(out));
                channel.setErr(counting(err));
                channel.open().verify(DEADLINE);
                Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), DEADLINE);
                assertThat(events).as("stalled with %d bytes of stdout and %d of stderr", out.get(), err.get())
                        .contains(ClientChannelEvent.CLOSED);
                Integer status = channel.getExitStatus();
                return new Counted(out.get(), err.get(), status == null ? -1 : status);
            }
        }
    }

    /** Bytes received on each stream, and the exit status. */
    record Counted(long stdout, long stderr, int exit) {}

    private static OutputStream counting(AtomicLong n) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                n.incrementAndGet();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                n.addAndGet(len);
            }
        };
    }

    /** Writes {@link #FLOOD} bytes to each stream named in the command ("stdout", "stderr"), then exits 0. */
    private static final class Flood implements Command {
        private final Set<String> streams;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;

        Flood(Set<String> streams) {
            this.streams = streams;
        }

        @Override public void setExitCallback(ExitCallback callback) { exit = callback; }
        @Override public void setInputStream(InputStream in) { }
        @Override public void setOutputStream(OutputStream stream) { out = stream; }
        @Override public void setErrorStream(OutputStream stream) { err = stream; }
        @Override public void destroy(ChannelSession channel) { }

        @Override
        public void start(ChannelSession channel, Environment env) {
            // blocking writes: off the I/O thread, one thread per stream so both flow at once
            Thread o = writer(streams.contains("stdout") ? out : null);
            Thread e = writer(streams.contains("stderr") ? err : null);
            Thread done = new Thread(() -> {
                try {
                    o.join();
                    e.join();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
                exit.onExit(0);
            }, "flood-exit");
            done.setDaemon(true);
            done.start();
        }

        private static Thread writer(OutputStream stream) {
            Thread t = new Thread(() -> {
                if (stream == null) {
                    return;
                }
                byte[] chunk = new byte[32 * 1024];
                try {
                    for (int sent = 0; sent < FLOOD; sent += chunk.length) {
                        stream.write(chunk);
                    }
                    stream.flush();
                } catch (IOException ignored) {
                    // the channel closed under the writer; the test's counts tell
                }
            }, "flood-writer");
            t.setDaemon(true);
            t.start();
            return t;
        }
    }
}
