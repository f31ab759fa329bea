package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.recorder.AuditEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code observe ID} in the gateway shell ({@code ssh -t GATEWAY observe ID}), against the real
 * gateway and a MINA node whose shell echoes, through the same {@code LiveSessions} service as the
 * console. Threats: an observer's keystrokes reach the watched session; a user without the audit
 * or admin permission, or another tenant's admin, watches a session; the watched user is not told;
 * the observation goes unaudited; and the watched user, who controls every byte shown, drives the
 * admin's terminal (OSC 52 clipboard, device status answers typed back as the admin's input).
 */
class ShellObserveTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private TestNode node;
    private InProcessGateway gw;
    private final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        node = TestNode.accepting();
        gw = InProcessGateway.start(dir, LiveSessionsTest.policy(node.port(), node.hostKeyLine()), "admin", "auditor",
                "alice", "carol");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        gw.close();
        node.close();
    }

    @Test
    void anAuditorWatchesReadOnlyTheUserIsToldItIsAuditedAndQEndsIt() throws Exception {
        Term alice = aliceShell();
        String id = liveId();
        Term auditor = observe("auditor", id, true);

        await().atMost(WAIT).until(() -> alice.text().contains("gatehouse: auditor is observing this session (read-only)"));
        await().atMost(WAIT).until(() -> auditor.text().contains("press q or Ctrl-C to stop"));
        assertThat(auditor.text()).startsWith("gatehouse: observing alice on aiops@gpu-node-1, session " + id
                + " (shell) (their terminal: 80x24); read-only; press q or Ctrl-C to stop\r\n");

        auditor.type("rm -rf /tmp/x\r"); // never reaches the session
        alice.type("nvidia-smi\r");
        await().atMost(WAIT).until(() -> auditor.text().contains("nvidia-smi"));
        // the node echoes a clipboard write and a device status request: alice's terminal gets them, the observer's not
        alice.type("A\u001b]52;c;ZXZpbA==\u0007B\u001b[6nC\r");
        await().atMost(WAIT).until(() -> auditor.text().contains("ABC"));
        assertThat(auditor.text()).doesNotContain("\u001b]").doesNotContain("\u001b[6n");
        assertThat(node.typed.toString()).contains("nvidia-smi").doesNotContain("rm -rf");

        auditor.type("q");
        await().atMost(WAIT).until(auditor::closed);
        assertThat(auditor.exitStatus()).isZero();
        assertThat(auditor.text()).contains("gatehouse: stopped observing");
        await().atMost(WAIT).until(() -> alice.text().contains("gatehouse: auditor stopped observing"));
        assertThat(node.typed.toString()).doesNotContain("rm -rf").doesNotContain("q");

        List<AuditEvent> observed = gw.events("session.observe");
        assertThat(observed).extracting(e -> e.details().get("step")).containsExactly("start", "end");
        assertThat(observed).allSatisfy(e -> {
            assertThat(e.user()).isEqualTo("auditor");
            assertThat(e.sessionId()).isEqualTo(id);
            assertThat(e.details()).containsEntry("via", "shell").containsEntry("session_user", "alice");
        });
        assertThat(observed.get(1).details()).containsEntry("reason", "the observer stopped");
        assertThat(alice.closed()).isFalse();
    }

    @Test
    void refusedWithoutThePermissionForAnotherTenantAndWithoutAPty() throws Exception {
        Term alice = aliceShell();
        String id = liveId();

        Term user = observe("alice", id, true);
        await().atMost(WAIT).until(user::closed);
        assertThat(user.exitStatus()).isEqualTo(1);
        assertThat(user.text()).isEqualTo("gatehouse: you need the audit or admin permission to observe sessions\r\n");

        Term otherTenant = observe("carol", id, true);
        await().atMost(WAIT).until(otherTenant::closed);
        assertThat(otherTenant.exitStatus()).isEqualTo(1);
        assertThat(otherTenant.text()).isEqualTo("gatehouse: no live session '" + id + "'\r\n");

        Term noPty = observe("admin", id, false);
        await().atMost(WAIT).until(noPty::closed);
        assertThat(noPty.exitStatus()).isEqualTo(1);
        assertThat(noPty.text()).startsWith("gatehouse: observe needs a terminal: connect with ssh -t");

        Term missing = observe("admin", "nope", true);
        await().atMost(WAIT).until(missing::closed);
        assertThat(missing.text()).isEqualTo("gatehouse: no live session 'nope'\r\n");

        // without a pty the permission and the session are checked first: alice without one is refused as above
        Term userNoPty = observe("alice", id, false);
        await().atMost(WAIT).until(userNoPty::closed);
        assertThat(userNoPty.text()).isEqualTo("gatehouse: you need the audit or admin permission to observe sessions\n");

        assertThat(gw.events("observe.refused")).extracting(e -> e.user()).containsExactly("alice", "carol", "admin", "alice");
        assertThat(gw.events("session.observe")).isEmpty();
        assertThat(alice.text()).doesNotContain("observing");
        assertThat(alice.closed()).isFalse();
    }

    @Test
    void inTheInteractiveShellTheSessionsEndReturnsToThePrompt() throws Exception {
        Term alice = aliceShell();
        String id = liveId();
        InProcessGateway.Shell admin = gw.shell("admin", true);
        open.add(admin);
        await().atMost(WAIT).until(() -> admin.output().contains("gatehouse> "));
        admin.type("help\r");
        await().atMost(WAIT).until(() -> admin.output().contains("observe ID"));
        admin.type("observe " + id + "\r");
        await().atMost(WAIT).until(() -> alice.text().contains("admin is observing"));
        alice.type("hello\r");
        await().atMost(WAIT).until(() -> admin.output().contains("hello"));

        alice.channel.close(false);
        await().atMost(WAIT).until(() -> admin.output().contains("gatehouse: the observed session ended\r\ngatehouse> "));
        assertThat(admin.output()).as("the terminal is reset before the last line").contains("\u001b[?1049l");
        await().atMost(WAIT).until(() -> gw.events("session.observe").size() == 2);
        assertThat(gw.events("session.observe").get(1).details()).containsEntry("reason", "the session ended");

        // the prompt works again
        admin.type("whoami\r");
        await().atMost(WAIT).until(() -> admin.output().contains("roles: admin"));
    }

    @Test
    void ctrlCAndCtrlDStopWatchingToo() throws Exception {
        Term alice = aliceShell();
        String id = liveId();
        Term first = observe("auditor", id, true);
        await().atMost(WAIT).until(() -> first.text().contains("press q or Ctrl-C to stop"));
        first.type("\u0003");
        await().atMost(WAIT).until(first::closed);
        assertThat(first.exitStatus()).isZero();
        assertThat(first.text()).contains("gatehouse: stopped observing");

        Term second = observe("admin", id, true);
        await().atMost(WAIT).until(() -> second.text().contains("press q or Ctrl-C to stop"));
        second.type("\u0004");
        await().atMost(WAIT).until(second::closed);
        assertThat(second.exitStatus()).isZero();
        await().atMost(WAIT).until(() -> gw.events("session.observe").size() == 4);
        assertThat(gw.events("session.observe")).extracting(e -> e.details().get("reason")).containsExactly(null,
                "the observer stopped", null, "the observer stopped");
        assertThat(node.typed.toString()).doesNotContain("\u0003").doesNotContain("\u0004");
        assertThat(alice.closed()).isFalse();
    }

    /** Threat: an observer that stops reading holds the session's output in memory without bound, or slows it. */
    @Test
    void anObserverThatStopsReadingIsDroppedWithoutSlowingTheSession() throws Exception {
        Term alice = aliceShell();
        String id = liveId();
        ClientSession session = gw.connect("auditor", "auditor");
        open.add(session);
        ChannelExec stalled = session.createExecChannel("observe " + id);
        stalled.setUsePty(true);
        stalled.setStreaming(org.apache.sshd.client.channel.ClientChannel.Streaming.Async); // and never read
        stalled.open().verify(WAIT);
        await().atMost(WAIT).until(() -> alice.text().contains("auditor is observing"));

        // well past the SSH window the observer's client grants plus the 1 MiB the gateway queues for it
        String line = "x".repeat(1023) + "\n";
        int lines = 6 * 1024;
        int before = alice.output.size();
        for (int i = 0; i < lines; i++) {
            alice.type(line);
        }
        await("the session's output flows while the observer reads nothing").atMost(WAIT)
                .until(() -> alice.output.size() - before >= lines * line.length());
        await().atMost(WAIT).until(() -> alice.text().contains("gatehouse: auditor stopped observing"));
        await().atMost(WAIT).until(() -> gw.events("session.observe").size() == 2);
        assertThat((String) gw.events("session.observe").get(1).details().get("reason"))
                .isEqualTo(dev.gatehouse.gateway.access.LiveSessions.OBSERVER_TOO_SLOW);
        assertThat(alice.closed()).isFalse();
    }

    /** Threat: an auditor locked during an incident keeps watching a session they opened from the shell. */
    @Test
    void lockingTheObserverEndsTheirObservationButNotTheSession() throws Exception {
        Term alice = aliceShell();
        String id = liveId();
        Term auditor = observe("auditor", id, true);
        await().atMost(WAIT).until(() -> alice.text().contains("auditor is observing"));

        gw.gateway().services().access().lock("admin", dev.gatehouse.policy.Lock.Kind.USER, "auditor", "incident");

        await().atMost(WAIT).until(auditor::closed);
        await().atMost(WAIT).until(() -> alice.text().contains("gatehouse: auditor stopped observing"));
        await().atMost(WAIT).until(() -> gw.events("session.observe").size() == 2);
        assertThat(gw.events("session.observe").get(1).details()).containsEntry("reason", "user 'auditor' was locked by admin");
        assertThat(alice.closed()).isFalse();
        assertThat(gw.gateway().services().sessions().all()).extracting(dev.gatehouse.gateway.session.LiveSession::id)
                .containsExactly(id);
    }

    // ---- helpers ----

    /** An interactive shell of alice's on the node, through the gateway, with a pty (80x24). */
    private Term aliceShell() throws IOException {
        ClientSession session = gw.connect("alice", "aiops@gpu-node-1");
        ChannelShell channel = session.createShellChannel();
        channel.setUsePty(true);
        channel.setPtyColumns(80);
        channel.setPtyLines(24);
        Term t = new Term(channel);
        channel.open().verify(WAIT);
        t.input = channel.getInvertedIn();
        open.add(session);
        await().atMost(WAIT).until(() -> t.text().contains("size 80x24"));
        return t;
    }

    /** {@code ssh [-t] GATEWAY observe ID} as {@code user}: an exec channel, with a pty when asked. */
    private Term observe(String user, String id, boolean pty) throws IOException {
        ClientSession session = gw.connect(user, user);
        ChannelExec channel = session.createExecChannel("observe " + id);
        channel.setUsePty(pty);
        Term t = new Term(channel);
        channel.open().verify(WAIT);
        t.input = channel.getInvertedIn();
        open.add(session);
        return t;
    }

    private String liveId() {
        List<dev.gatehouse.gateway.session.LiveSession> live = gw.gateway().services().sessions().all();
        assertThat(live).hasSize(1);
        return live.get(0).id();
    }

    /** A terminal: what it showed (stdout and stderr), and typing into it. */
    private static final class Term {
        final org.apache.sshd.client.channel.ChannelSession channel;
        final ByteArrayOutputStream output = new dev.gatehouse.gateway.testing.SyncBuffer();
        OutputStream input;

        Term(org.apache.sshd.client.channel.ChannelSession channel) {
            this.channel = channel;
            channel.setOut(output);
            channel.setErr(output);
        }

        String text() {
            return output.toString(StandardCharsets.UTF_8);
        }

        void type(String s) throws IOException {
            input.write(s.getBytes(StandardCharsets.UTF_8));
            input.flush();
        }

        boolean closed() {
            return channel.isClosed();
        }

        int exitStatus() {
            channel.waitFor(EnumSet.of(ClientChannelEvent.EXIT_STATUS), WAIT);
            Integer s = channel.getExitStatus();
            return s == null ? -1 : s;
        }
    }
}
