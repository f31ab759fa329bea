package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.recorder.EventQuery;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Threat: a lock set while a session is still connecting to its node misses the session, and its
 * command runs on the node after the admin was told "locked" (R07, R22). The session is in the
 * registry before the node is contacted and is judged again before its channel opens.
 */
class LockDuringUpstreamConnectTest {
    @TempDir
    Path dir;

    @Test
    void aCommandStartedBeforeALockDoesNotReachTheNodeAfterIt() throws Exception {
        KeyPair nodeKey = SshKeys.generateEd25519();
        List<String> ran = new CopyOnWriteArrayList<>();
        SshServer node = SshServer.setUpDefaultServer();
        node.setHost("127.0.0.1");
        node.setPort(0);
        node.setKeyPairProvider(KeyPairProvider.wrap(nodeKey));
        node.setPublickeyAuthenticator((user, key, session) -> true);
        node.setCommandFactory((channel, command) -> new Command() {
            private ExitCallback exit;

            @Override public void setExitCallback(ExitCallback callback) { exit = callback; }
            @Override public void setInputStream(InputStream in) { }
            @Override public void setOutputStream(OutputStream out) { }
            @Override public void setErrorStream(OutputStream err) { }
            @Override public void start(ChannelSession channel, Environment env) {
                ran.add(command);
                exit.onExit(0);
            }
            @Override public void destroy(ChannelSession channel) { }
        });
        node.start();

        // a slow network path to the node: the TCP connection is held for a moment before it is passed on
        CountDownLatch release = new CountDownLatch(1);
        ServerSocket proxy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread proxyThread = new Thread(() -> {
            try (Socket client = proxy.accept()) {
                release.await(15, TimeUnit.SECONDS);
                try (Socket upstream = new Socket("127.0.0.1", node.getPort())) {
                    Thread up = new Thread(() -> pipe(client, upstream));
                    up.start();
                    pipe(upstream, client);
                    up.join();
                }
            } catch (Exception e) {
                // test over
            }
        });
        proxyThread.setDaemon(true);
        proxyThread.start();

        String nodeLine = SshKeys.toLine(nodeKey.getPublic());
        try (InProcessGateway gw = InProcessGateway.start(dir, keys -> """
                users:
                  - {name: admin, keys: ["%s"], roles: [admin]}
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:%d", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: admin, permissions: [admin]}
                """.formatted(keys.get("admin"), keys.get("alice"), proxy.getLocalPort(), nodeLine), "admin", "alice")) {
            CompletableFuture<InProcessGateway.Result> alice = CompletableFuture.supplyAsync(() -> {
                try {
                    return gw.exec(gw.connect("alice", "aiops@gpu-node-1"), "touch /srv/after-the-lock");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> !gw.gateway().services().audit().store()
                    .events(new EventQuery("session.start", "alice", null, null, 10)).isEmpty());

            InProcessGateway.Result lock = gw.exec("admin", "lock user alice --reason incident");
            assertThat(lock.stdout()).as(lock.stderr()).contains("locked user alice");

            release.countDown();
            try {
                alice.get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                // ended by the gateway, which is fine
            }
            assertThat(ran).as("commands the node ran for alice after 'locked user alice' was printed").isEmpty();
        } finally {
            proxy.close();
            node.stop(true);
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (Exception e) {
            // closed
        }
    }
}
