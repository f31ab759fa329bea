package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.shell.Views;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.ExitCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How the client's channel of a bridged session ends: the node's exit mirrored, or the gateway's reason and 255. */
final class ClientExit {
    private static final Logger LOG = LoggerFactory.getLogger(ClientExit.class);

    private ClientExit() {}

    /**
     * Mirrors how the node's channel ended: its {@code exit-signal} (RFC 4254 section 6.10) or
     * {@code exit-status}; 255 with "connection to node lost" when it sent neither.
     */
    static void mirror(ClientChannel node, GatewayChannelSession client, ExitCallback exit, String sessionId) {
        Integer status = node.getExitStatus();
        String signal = node.getExitSignal();
        try {
            if (signal != null) {
                client.exitWithSignal(signal, false, "");
            } else {
                exit.onExit(status != null ? status : 255, status != null ? "" : "connection to node lost");
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("session {}: could not send exit: {}", sessionId, e.toString());
            client.close(true);
        }
    }

    /**
     * Ends the client's channel from the gateway side: {@code reason} on stderr as one escaped
     * {@code gatehouse: } line, then exit 255 once it is written (or after
     * {@link SerialSink#LAST_LINE_WAIT}); without a reason the channel just closes.
     */
    static void withReason(String reason, SerialSink err, ExitCallback exit, GatewayChannelSession client,
            ScheduledExecutorService timer) {
        if (reason == null) {
            client.close(true);
            return;
        }
        SerialSink.whenWritten(err.write(line("gatehouse: " + reason)), timer, () -> exit.onExit(255, reason));
    }

    /** {@code text} made terminal-safe, on a line of its own (after whatever the terminal shows). */
    static ByteArrayBuffer line(String text) {
        return new ByteArrayBuffer(("\r\n" + Views.terminalSafe(text) + "\r\n").getBytes(StandardCharsets.UTF_8));
    }
}
