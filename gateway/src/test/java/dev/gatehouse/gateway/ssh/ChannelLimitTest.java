package dev.gatehouse.gateway.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.recorder.AuditEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.channel.ChannelSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.session.ConnectionService;
import org.junit.jupiter.api.Test;

/**
 * R24 after authentication: one connection holds a bounded number of channels, and going over
 * the bound costs the client that one channel, not its connection.
 */
class ChannelLimitTest extends HarnessTest {
    /** A session channel opened and left without any request: what a client can hold for nothing. */
    private static ChannelSession open(ClientSession s) throws Exception {
        ChannelSession channel = new ChannelSession();
        s.getService(ConnectionService.class).registerChannel(channel);
        channel.open().verify(RawUserAuth.TIMEOUT);
        return channel;
    }

    /**
     * Threat: one person opens channels without bound on one connection, each a gateway-shell
     * command thread or an upstream connection, and audit events.
     */
    @Test
    void theChannelOpenPastTheCapIsRefusedAndTheConnectionGoesOn() throws Exception {
        try (ClientSession s = gw.client().connect("alice", gw.address()).verify(RawUserAuth.TIMEOUT).getSession()) {
            s.addPublicKeyIdentity(gw.key("alice"));
            s.auth().verify(RawUserAuth.TIMEOUT);
            List<ChannelSession> held = new ArrayList<>();
            for (int i = 0; i < SshFront.MAX_CHANNELS; i++) {
                held.add(open(s));
            }
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> open(s)).as("channel %d", SshFront.MAX_CHANNELS + 1 + i)
                        .hasCauseInstanceOf(SshChannelOpenException.class)
                        .satisfies(e -> assertThat(((SshChannelOpenException) e.getCause()).getReasonCode())
                                .isEqualTo(SshConstants.SSH_OPEN_RESOURCE_SHORTAGE));
            }
            assertThat(s.isOpen()).as("the connection survives the refusal").isTrue();
            assertThat(held).allMatch(ChannelSession::isOpen);
            held.remove(0).close(false).await(RawUserAuth.TIMEOUT);
            assertThat(s.executeRemoteCommand("whoami")).as("one closed, one may open").contains("alice");
        }
        assertThat(events("channel.refused")).as("the first refusal of the connection").singleElement().satisfies(e -> {
            assertThat(e.user()).isEqualTo("alice");
            assertThat(e.details()).containsEntry("request", "channel-open").containsEntry("name", "session");
        });
        assertThat(events("channel.refused")).extracting(AuditEvent::user).containsOnly("alice");
    }
}
