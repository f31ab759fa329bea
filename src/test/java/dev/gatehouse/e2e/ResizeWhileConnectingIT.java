package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A terminal resized while the gateway is still reaching the node: the node's pty has the new
 * size once the shell runs ({@code stty size} on a real sshd). The gateway used to install its
 * window-change listener only when the node's channel had opened, and dropped such a resize.
 * The client is MINA's, since {@code ssh} sends window changes only from a terminal of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResizeWhileConnectingIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private NodeSshd node;
    private Gateway gw;
    private ServerSocket proxy;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeAll
    void start() throws IOException {
        node = NodeSshd.start();
        proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptAndHold);
        accept.setDaemon(true);
        accept.start();
        String address = "127.0.0.1:" + proxy.getLocalPort();
        gw = Gateway.start(node, new Gateway.Options().policy(g -> GatewayFiles.policy(address, node.hostPublicKey(),
                g.alice(), g.carol(), g.dave())));
    }

    @AfterAll
    void stop() throws IOException {
        release.countDown();
        if (proxy != null) {
            proxy.close();
        }
        if (gw != null) {
            gw.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aResizeMadeWhileTheNodeIsBeingReachedReachesTheNodesPty() throws Exception {
        SshClient client = SshClient.setUpDefaultClient();
        // not a host-key test: the gateway's own key is pinned by every other test of the suite
        client.setServerKeyVerifier((session, remote, key) -> true);
        client.start();
        try (ClientSession session = client.connect(Gateway.TARGET, "127.0.0.1", gw.port()).verify(WAIT).getSession()) {
            for (KeyPair key : SecurityUtils.loadKeyPairIdentities(null, null,
                    java.nio.file.Files.newInputStream(gw.alice().key()), FilePasswordProvider.EMPTY)) {
                session.addPublicKeyIdentity(key);
            }
            session.auth().verify(WAIT);
            ChannelShell shell = session.createShellChannel();
            shell.setUsePty(true);
            shell.setPtyColumns(80);
            shell.setPtyLines(24);
            ByteArrayOutputStream output = new SyncOutput();
            shell.setOut(output);
            shell.setErr(output);
            shell.open().verify(WAIT);

            shell.sendWindowChange(132, 43);
            // packets of one connection are handled in order: once this is answered, the resize was taken
            Buffer ping = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST);
            ping.putString("keepalive@openssh.com");
            ping.putBoolean(true);
            session.request("keepalive@openssh.com", ping, WAIT);
            release.countDown();

            OutputStream keyboard = shell.getInvertedIn();
            keyboard.write("echo SIZE=$(stty size)\n".getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
            await().atMost(WAIT).until(() -> output.toString(StandardCharsets.UTF_8).contains("SIZE=43 132"));
            shell.close(false);
        } finally {
            client.stop();
        }
    }

    /** The slow path to the node: each connection is passed on only after {@link #release}. */
    private void acceptAndHold() {
        while (!proxy.isClosed()) {
            try {
                Socket in = proxy.accept();
                Thread relay = new Thread(() -> relay(in));
                relay.setDaemon(true);
                relay.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(Socket in) {
        try (in; Socket out = new Socket("127.0.0.1", node.port())) {
            if (!release.await(30, TimeUnit.SECONDS)) {
                return;
            }
            Thread up = new Thread(() -> pipe(in, out));
            up.setDaemon(true);
            up.start();
            pipe(out, in);
            up.join();
        } catch (IOException | InterruptedException e) {
            // the test is over
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // closed
        }
    }

    private static final class SyncOutput extends ByteArrayOutputStream {
        @Override
        public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, len);
        }

        @Override
        public synchronized String toString(java.nio.charset.Charset charset) {
            return super.toString(charset);
        }
    }
}
