package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoredEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.common.SshConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure to reach a node names the step that failed (TCP connect, banner, key exchange, host
 * key, authentication, channel open) and the node's own words, on the user's terminal and in the
 * {@code upstream.failure} event. A node that closes before key exchange (past its MaxStartups)
 * used to be reported as having refused the gateway certificate, sending operators after the CA.
 */
class UpstreamStagesTest {
    @TempDir
    Path dir;

    private ServerSocket fake;

    @AfterEach
    void closeFake() throws IOException {
        if (fake != null) {
            fake.close();
        }
    }

    @Test
    void aPortThatAcceptsAndClosesFailsAtTheBanner() throws Exception {
        int port = fakeNode(null);
        Failure f = runAgainst(port, TestNode.accepting().hostKeyLine());
        assertThat(f.stderr).contains("closed the connection before its SSH banner").doesNotContain("certificate");
        assertThat(f.event.details()).containsEntry("stage", "banner").doesNotContainKey("node_message");
    }

    @Test
    void wordsBeforeTheBannerAreTheNodesMessage() throws Exception {
        int port = fakeNode("Exceeded MaxStartups\r\n");
        Failure f = runAgainst(port, TestNode.accepting().hostKeyLine());
        assertThat(f.stderr).contains("before its SSH banner: Exceeded MaxStartups").doesNotContain("certificate");
        assertThat(f.event.details()).containsEntry("stage", "banner").containsEntry("node_message", "Exceeded MaxStartups");
    }

    @Test
    void aNodeThatIdentifiesItselfThenClosesFailsAtKeyExchange() throws Exception {
        int port = fakeNode("SSH-2.0-OpenSSH_9.2\r\n");
        Failure f = runAgainst(port, TestNode.accepting().hostKeyLine());
        assertThat(f.stderr).contains("ended the key exchange").doesNotContain("certificate").doesNotContain("SSH-2.0");
        // the identification string is the node's version, not its words
        assertThat(f.event.details()).containsEntry("stage", "key_exchange").doesNotContainKey("node_message");
    }

    @Test
    void aClosedPortFailsAtTcpConnect() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Failure f = runAgainst(port, TestNode.accepting().hostKeyLine());
        assertThat(f.stderr).contains("cannot reach node 'gpu-node-1'");
        assertThat(f.event.details()).containsEntry("stage", "tcp_connect");
    }

    @Test
    void aNodeThatRefusesTheCertificateFailsAtAuthentication() throws Exception {
        try (TestNode node = TestNode.refusingKeys()) {
            Failure f = runAgainst(node.port(), node.hostKeyLine());
            assertThat(f.stderr).contains("refused the gateway certificate for login 'aiops'").doesNotContain("SSH-2.0");
            assertThat(f.event.details()).containsEntry("stage", "authentication").doesNotContainKey("node_message");
        }
    }

    @Test
    void aWrongHostKeyFailsAtTheHostKey() throws Exception {
        try (TestNode node = TestNode.accepting(); TestNode other = TestNode.accepting()) {
            Failure f = runAgainst(node.port(), other.hostKeyLine(), "upstream.host_key_mismatch");
            assertThat(f.stderr).contains("does not match the pinned key");
            assertThat(f.event.details()).containsEntry("stage", "host_key");
        }
    }

    @Test
    void aRefusedChannelCarriesTheNodesReasonAndDescription() throws Exception {
        try (TestNode node = TestNode.refusingChannels(SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, "open failed")) {
            Failure f = runAgainst(node.port(), node.hostKeyLine());
            assertThat(f.stderr).contains("refused to open a session channel: administratively prohibited: open failed")
                    .doesNotContain("certificate");
            assertThat(f.event.details()).containsEntry("stage", "channel_open")
                    .containsEntry("node_message", "administratively prohibited: open failed");
            assertThat(node.ran).isEmpty();
        }
    }

    private record Failure(String stderr, AuditEvent event) {}

    private Failure runAgainst(int port, String hostKey) throws IOException {
        return runAgainst(port, hostKey, "upstream.failure");
    }

    /** Runs an exec as alice through a gateway whose node is at {@code port}; returns her stderr and the failure event. */
    private Failure runAgainst(int port, String hostKey, String type) throws IOException {
        try (InProcessGateway gw = InProcessGateway.start(dir, Policies.engineer(port, hostKey), "alice")) {
            InProcessGateway.Result r = gw.exec(gw.connect("alice", "aiops@gpu-node-1"), "hostname");
            assertThat(r.status()).as(r.stderr()).isEqualTo(255);
            assertThat(r.stderr().lines().toList()).as("one line").hasSize(1);
            var store = gw.gateway().services().audit().store();
            await().atMost(Duration.ofSeconds(10)).until(() -> !store.events(new EventQuery(type, "alice", null, null, 10)).isEmpty());
            List<StoredEvent> events = store.events(new EventQuery(type, "alice", null, null, 10));
            return new Failure(r.stderr(), events.get(0).event());
        }
    }

    /** A TCP server that accepts, writes {@code text} (if any) and closes, for every connection. */
    private int fakeNode(String text) throws IOException {
        fake = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!fake.isClosed()) {
                try (Socket s = fake.accept()) {
                    if (text != null) {
                        OutputStream out = s.getOutputStream();
                        out.write(text.getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                    // close after the client has: closing with its identification unread would
                    // reset the connection, and a reset may discard what was written above
                    s.shutdownOutput();
                    s.setSoTimeout(10_000);
                    s.getInputStream().transferTo(OutputStream.nullOutputStream());
                } catch (java.net.SocketTimeoutException e) {
                    // the client kept it open: closed now
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return fake.getLocalPort();
    }
}
