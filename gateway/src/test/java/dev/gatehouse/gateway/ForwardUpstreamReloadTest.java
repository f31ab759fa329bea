package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.SshKeys;
import java.nio.file.Path;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forward after a policy reload connects to the node as the reloaded policy describes it, as a
 * session's channel does (the upstream pool's key holds the node): a forward must not ride a
 * connection that was verified against a host key the policy no longer pins.
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardUpstreamReloadTest {
    @TempDir
    Path dir;

    /**
     * Threat: an admin re-pins a node's host key because the old one leaked or the machine was
     * replaced, yet new forwards of a client connected before keep riding the connection verified
     * against the old key (possibly an impostor).
     */
    @Test
    void aForwardAfterTheNodesHostKeyIsRepinnedDoesNotRideTheConnectionVerifiedAgainstTheOldPin() throws Exception {
        String otherKey = SshKeys.toLine(SshKeys.generateEd25519().getPublic());
        try (EchoServer echo = EchoServer.start();
                TestNode node = TestNode.accepting();
                InProcessGateway gw = InProcessGateway.start(dir,
                        Forwards.engineerPolicy(node.port(), node.hostKeyLine(), echo.port()), "alice")) {
            node.server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            try (ChannelDirectTcpip first = Forwards.open(alice, "localhost", echo.port())) {
                Forwards.assertEchoes(first, 'x');

                // the node now presents a key the policy no longer pins
                gw.reload(Forwards.engineerPolicy(node.port(), otherKey, echo.port()));
                assertThatThrownBy(() -> Forwards.open(alice, "localhost", echo.port()))
                        .as("a forward opened after the re-pin, on a node whose key no longer matches")
                        .hasStackTraceContaining("host key");
            }
        }
    }
}
