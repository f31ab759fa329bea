package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.recorder.AuditEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unix-socket forwarding (OpenSSH PROTOCOL section 2.4: {@code direct-streamlocal@openssh.com}
 * channels for {@code ssh -L /local.sock:/remote.sock}, and {@code streamlocal-forward@openssh.com}
 * global requests for {@code ssh -R} of a socket) stays refused, and every attempt is a
 * {@code forward.refused} event like the other forwards the gateway refuses (R20).
 */
@org.junit.jupiter.api.Timeout(60)
class StreamLocalRefusalTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** Threat: a user tunnels to the node's Docker socket (root on the node) and no auditor ever sees the attempt. */
    @Test
    void aDirectStreamLocalChannelIsRefusedAndAudited() throws Exception {
        try (InProcessGateway gw = start()) {
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            Buffer open = alice.createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN);
            open.putString("direct-streamlocal@openssh.com");
            open.putUInt(4242);
            open.putUInt(2 * 1024 * 1024);
            open.putUInt(32 * 1024);
            open.putString("/var/run/docker.sock");
            open.putString("");
            open.putUInt(0);
            alice.writePacket(open).verify(WAIT);

            await().atMost(WAIT).untilAsserted(() -> assertThat(gw.events("forward.refused"))
                    .as("forward.refused events").anySatisfy(e -> {
                        assertThat(e.user()).isEqualTo("alice");
                        assertThat(String.valueOf(e.details())).contains("/var/run/docker.sock");
                    }));
        }
    }

    /** Threat: a user publishes a socket on the node (ssh -R) through the gateway and no auditor sees the attempt. */
    @Test
    void aStreamLocalForwardRequestIsRefusedAndAudited() throws Exception {
        try (InProcessGateway gw = start()) {
            ClientSession alice = gw.connect("alice", "aiops@gpu-node-1");
            Buffer request = alice.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST);
            request.putString("streamlocal-forward@openssh.com");
            request.putBoolean(true);
            request.putString("/tmp/gatehouse-review.sock");
            Buffer reply = alice.request("streamlocal-forward@openssh.com", request, WAIT);
            assertThat(reply).as("the request is refused").isNull();

            await().atMost(WAIT).untilAsserted(() -> assertThat(gw.events("forward.refused"))
                    .as("forward.refused events").anySatisfy(e ->
                            assertThat(String.valueOf(e.details())).contains("/tmp/gatehouse-review.sock")));
        }
    }

    private InProcessGateway start() throws Exception {
        return InProcessGateway.start(dir, Forwards.engineerPolicy(5678), "alice");
    }
}
