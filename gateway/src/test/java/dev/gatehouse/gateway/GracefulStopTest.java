package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.junit.jupiter.api.Test;

/** The graceful stop, in process: reason lines first, then connections, whatever state they are in. */
class GracefulStopTest extends InProcessGatewayTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void anOpenShellGetsTheReasonBeforeItsChannelCloses() throws Exception {
        InProcessGateway.Shell shell = gw.shell("alice", true);
        gw.gateway().close();
        assertThat(shell.closed()).as("the stop returns once the channel has closed").isTrue();
        assertThat(shell.output()).contains("gatehouse: the gateway is shutting down");
    }

    @Test
    void aConnectionStillAuthenticatingDoesNotBreakTheStop() throws Exception {
        java.security.PublicKey pinned = gw.hostKey();
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier((session, remote, key) -> key.equals(pinned));
        client.start();
        try (ClientSession pending = client.connect("alice", gw.gateway().address().getHostString(),
                gw.gateway().address().getPort()).verify(WAIT).getSession()) {
            // key exchange done and ssh-userauth running: the connection has no connection service yet
            assertThat(pending.waitFor(EnumSet.of(ClientSessionEvent.WAIT_AUTH), WAIT)).contains(ClientSessionEvent.WAIT_AUTH);
            InProcessGateway.Shell shell = gw.shell("alice", false);
            gw.gateway().close();
            assertThat(shell.output()).contains("gatehouse: the gateway is shutting down");
        } finally {
            client.stop();
        }
    }
}
