package dev.gatehouse.gateway;

import dev.gatehouse.gateway.testing.SyncBuffer;
import dev.gatehouse.gateway.testing.HeldProxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.recorder.AuditEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Channels of one client connection to the same node and login share one upstream connection and
 * certificate, as an OpenSSH ControlMaster shares one with a node; a new one is made only when the
 * certificate must differ (a pty needs {@code permit-pty}) or the node refuses another channel on
 * the shared one (its {@code MaxSessions}). One connection per channel used to push a node past its
 * {@code MaxStartups} when a ControlMaster user opened sessions in parallel.
 */
class UpstreamSharingTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private InProcessGateway start(int port, String hostKey) throws Exception {
        return InProcessGateway.start(dir, keys -> """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                  - {name: admin, keys: ["%s"], roles: [admin]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:%d", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: admin, permissions: [admin]}
                """.formatted(keys.get("alice"), keys.get("admin"), port, hostKey), "alice", "admin");
    }

    /** Threat: a lock ends only the channel that opened a shared upstream connection, and the others keep running on the node. */
    @Test
    void aLockEndsEverySessionOnASharedConnectionAndThenTheConnection() throws Exception {
        try (TestNode node = TestNode.accepting(); InProcessGateway gw = start(node.port(), node.hostKeyLine())) {
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            ChannelExec first = running(alice, "wait", false);
            ChannelExec second = running(alice, "wait", false);
            await().atMost(WAIT).until(() -> node.ran.size() == 2);
            assertThat(node.connections.get()).isEqualTo(1);

            InProcessGateway.Result lock = gw.exec("admin", "lock user alice --reason incident");
            assertThat(lock.stdout()).as(lock.stderr()).contains("locked user alice");
            await().atMost(Duration.ofSeconds(2)).until(() -> first.isClosed() && second.isClosed());
            await().atMost(WAIT).until(() -> node.live.get() == 0);
            assertThat(gw.events("session.end")).hasSize(2).allSatisfy(e -> assertThat(e.outcome()).isEqualTo("terminated"));
        }
    }

    @Test
    void twoChannelsOfOneConnectionShareOneUpstreamConnectionAndCertificate() throws Exception {
        try (TestNode node = TestNode.accepting(); InProcessGateway gw = start(node.port(), node.hostKeyLine())) {
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            ChannelExec waiting = running(alice, "wait", false);
            await().atMost(WAIT).until(() -> node.ran.contains("wait"));
            InProcessGateway.Result second = gw.exec(alice, "hostname");
            assertThat(second.stdout()).as(second.stderr()).contains("ran: hostname");

            assertThat(node.connections.get()).as("connections the node accepted").isEqualTo(1);
            assertThat(node.keyIds).hasSize(1);
            assertThat(gw.events("cert.issued")).hasSize(1);
            List<AuditEvent> starts = gw.events("session.start");
            assertThat(starts).hasSize(2);
            assertThat(starts).extracting(AuditEvent::certSerial).containsOnly(gw.events("cert.issued").get(0).certSerial());
            assertThat(starts).extracting(e -> e.details().get("upstream")).containsExactly("new", "shared");
            // the key id names the session that caused the connection
            assertThat(node.keyIds).containsExactly("user=alice;session=" + starts.get(0).sessionId());

            waiting.close(false);
            await().atMost(WAIT).until(() -> node.live.get() == 0);
        }
    }

    @Test
    void aChannelWithAPtyNeedsOtherExtensionsAndSoAnotherConnection() throws Exception {
        try (TestNode node = TestNode.accepting(); InProcessGateway gw = start(node.port(), node.hostKeyLine())) {
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            ChannelExec plain = running(alice, "wait", false);
            await().atMost(WAIT).until(() -> node.ran.size() == 1);
            ChannelExec withPty = running(alice, "wait", true);
            try {
                await().atMost(WAIT).failFast(() -> withPty.isClosed()).until(() -> node.ran.size() == 2);
            } catch (RuntimeException e) {
                throw new AssertionError(node.ran + " " + node.connections + "\n" + describe(gw), e);
            }

            assertThat(node.connections.get()).isEqualTo(2);
            assertThat(gw.events("cert.issued")).extracting(e -> e.details().get("extensions"))
                    .containsExactlyInAnyOrder("", "permit-pty");
            plain.close(false);
            withPty.close(false);
            await().atMost(WAIT).until(() -> node.live.get() == 0);
        }
    }

    @Test
    void aChannelTheNodeRefusesOnTheSharedConnectionGetsAFreshOne() throws Exception {
        try (TestNode node = TestNode.withMaxSessions(1); InProcessGateway gw = start(node.port(), node.hostKeyLine())) {
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            ChannelExec waiting = running(alice, "wait", false);
            await().atMost(WAIT).until(() -> node.ran.contains("wait"));
            InProcessGateway.Result second = gw.exec(alice, "hostname");
            assertThat(second.stdout()).as(second.stderr()).contains("ran: hostname");
            assertThat(second.status()).isZero();

            assertThat(node.connections.get()).isEqualTo(2);
            List<AuditEvent> issued = gw.events("cert.issued");
            assertThat(issued).hasSize(2);
            // the second session ran under the second certificate, and its end says so
            AuditEvent end = await().atMost(WAIT).until(() -> gw.events("session.end"), l -> !l.isEmpty()).get(0);
            assertThat(end.certSerial()).isEqualTo(issued.get(1).certSerial());
            waiting.close(false);
        }
    }

    @Test
    void aWindowChangeSentWhileTheNodeIsBeingReachedIsPassedOnWhenTheChannelOpens() throws Exception {
        try (TestNode node = TestNode.accepting(); HeldProxy slow = new HeldProxy(node.port());
                InProcessGateway gw = start(slow.port(), node.hostKeyLine())) {
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            ChannelShell shell = alice.createShellChannel();
            shell.setUsePty(true);
            shell.setPtyColumns(80);
            shell.setPtyLines(24);
            ByteArrayOutputStream output = new SyncBuffer();
            shell.setOut(output);
            shell.setErr(output);
            shell.open().verify(WAIT);
            assertThat(slow.awaitConnected()).isTrue();
            shell.sendWindowChange(132, 43);
            // a connection's packets are handled in order: once this is answered, the window change was taken
            org.apache.sshd.common.util.buffer.Buffer ping = alice.createBuffer(org.apache.sshd.common.SshConstants.SSH_MSG_GLOBAL_REQUEST);
            ping.putString("keepalive@openssh.com");
            ping.putBoolean(true);
            alice.request("keepalive@openssh.com", ping, WAIT);
            assertThat(node.ran).as("nothing reached the node yet").isEmpty();
            slow.release();
            await().atMost(WAIT).until(() -> output.toString(StandardCharsets.UTF_8).contains("size 132x43"));
            assertThat(output.toString(StandardCharsets.UTF_8)).startsWith("size 80x24");
            shell.close(true);
        }
    }

    private static ChannelExec running(ClientSession session, String command, boolean pty) throws Exception {
        ChannelExec channel = session.createExecChannel(command);
        channel.setUsePty(pty);
        channel.setOut(new ByteArrayOutputStream());
        channel.setErr(new ByteArrayOutputStream());
        channel.open().verify(WAIT);
        return channel;
    }

    private static String describe(InProcessGateway gw) {
        return gw.events(null).stream().map(AuditEvent::toString).collect(java.util.stream.Collectors.joining("\n"));
    }
}
