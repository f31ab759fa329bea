package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.gateway.testing.HeldProxy;
import dev.gatehouse.gateway.testing.SyncBuffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
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
    /** The slow path to the node: each connection is passed on only after {@link HeldProxy#release}. */
    private HeldProxy proxy;

    @BeforeAll
    void start() throws IOException {
        node = NodeSshd.start();
        proxy = new HeldProxy(node.port());
        String address = "127.0.0.1:" + proxy.port();
        gw = Gateway.start(node, new Gateway.Options().policy(g -> GatewayFiles.policy(address, node.hostPublicKey(),
                g.alice(), g.carol(), g.dave())));
    }

    @AfterAll
    void stop() throws IOException {
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
            ByteArrayOutputStream output = new SyncBuffer();
            shell.setOut(output);
            shell.setErr(output);
            shell.open().verify(WAIT);

            shell.sendWindowChange(132, 43);
            // packets of one connection are handled in order: once this is answered, the resize was taken
            Buffer ping = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST);
            ping.putString("keepalive@openssh.com");
            ping.putBoolean(true);
            session.request("keepalive@openssh.com", ping, WAIT);
            proxy.release();

            OutputStream keyboard = shell.getInvertedIn();
            keyboard.write("echo SIZE=$(stty size)\n".getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
            await().atMost(WAIT).until(() -> output.toString(StandardCharsets.UTF_8).contains("SIZE=43 132"));
            shell.close(false);
        } finally {
            client.stop();
        }
    }
}
