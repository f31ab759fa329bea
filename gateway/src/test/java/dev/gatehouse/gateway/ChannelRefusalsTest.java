package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.recorder.StoredEvent;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ChannelSubsystem;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.junit.jupiter.api.Test;

/** Threat: probes that the gateway refuses leave no trace, so an auditor cannot see them (R13). */
class ChannelRefusalsTest extends InProcessGatewayTest {


    @Test
    void anUnknownSubsystemIsRefusedAndAudited() throws Exception {
        try (ClientSession session = gw.connect("alice", "alice");
                ChannelSubsystem netconf = session.createSubsystemChannel("netconf")) {
            netconf.open().verify(Duration.ofSeconds(10));
            netconf.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(10));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !refusals("subsystem").isEmpty());
        StoredEvent e = refusals("subsystem").get(0);
        assertThat(e.event().user()).isEqualTo("alice");
        assertThat(e.event().details()).containsEntry("name", "netconf").containsEntry("reason", "unknown subsystem; only sftp is served");
    }

    @Test
    void aRefusedEnvironmentVariableIsAuditedByNameNeverByValue() throws Exception {
        try (ClientSession session = gw.connect("alice", "alice"); ChannelShell shell = session.createShellChannel()) {
            shell.setEnv("AWS_SECRET_ACCESS_KEY", "hunter2-secret");
            shell.setEnv("LANG", "C.UTF-8");
            shell.open().verify(Duration.ofSeconds(10));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !refusals("env").isEmpty());
        assertThat(refusals("env")).extracting(e -> e.event().details().get("name")).containsExactly("AWS_SECRET_ACCESS_KEY");
        assertThat(refusals("env").toString()).doesNotContain("hunter2-secret");
    }

    @Test
    void variableNamesThatAreNoNamesAreRefusedAndAuditedExactly() throws Exception {
        // Threat: "LC_X=1" or a name with NUL or ESC smuggles another variable, or escape codes, onto the node.
        try (ClientSession session = gw.connect("alice", "alice"); ChannelShell shell = session.createShellChannel()) {
            shell.setEnv("LC_A=LD_PRELOAD", "x");
            shell.setEnv("LC_\u0000B", "x");
            shell.setEnv("LC_\u001b[2J", "x");
            shell.setEnv("LC_qa1", "passes");
            shell.open().verify(Duration.ofSeconds(10));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> refusals("env").size() == 3);
        assertThat(refusals("env")).extracting(e -> e.event().details().get("name"), e -> e.event().details().get("reason"))
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("LC_A=LD_PRELOAD", "variable name contains '='"),
                        org.assertj.core.groups.Tuple.tuple("LC_\u0000B", "variable name contains a control character"),
                        org.assertj.core.groups.Tuple.tuple("LC_\u001b[2J", "variable name contains a control character"));
    }

    @Test
    void windowSizesOutOfRangeAreRefusedAndAudited() throws Exception {
        try (ClientSession session = gw.connect("alice", "alice")) {
            PtyChannelConfiguration huge = new PtyChannelConfiguration();
            huge.setPtyColumns(Integer.MIN_VALUE); // 2^31 on the wire (uint32)
            huge.setPtyLines(24);
            ChannelShell first = session.createShellChannel(huge, Map.of());
            first.open().verify(Duration.ofSeconds(10));

            ChannelShell shell = session.createShellChannel();
            shell.open().verify(Duration.ofSeconds(10));
            shell.sendWindowChange(-1, 40);
            shell.sendWindowChange(0, 0);
            shell.sendWindowChange(120, 40);
            await().atMost(Duration.ofSeconds(5)).until(() -> refusals("window-change").size() == 2);
        }
        assertThat(refusals("pty-req")).extracting(e -> e.event().details().get("reason"))
                .containsExactly("terminal size 2147483648x24 is out of range (0 to 10000 characters)");
        assertThat(refusals("window-change")).extracting(e -> e.event().details().get("reason")).containsExactly(
                "terminal size 4294967295x40 is out of range (1 to 10000 characters)",
                "terminal size 0x0 is out of range (1 to 10000 characters)");
    }

    private List<StoredEvent> refusals(String request) {
        return events("channel.refused", null).stream()
                .filter(e -> request.equals(e.event().details().get("request"))).toList();
    }
}
