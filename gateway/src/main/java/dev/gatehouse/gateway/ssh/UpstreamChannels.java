package dev.gatehouse.gateway.ssh;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.PtyCapableChannelSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.PtyChannelConfiguration;

/** The node's channel that mirrors the client's: the same pty request, the allowed environment, shell, exec or sftp. */
final class UpstreamChannels {
    private UpstreamChannels() {}

    /** Creates (does not open) the channel on {@code session} for the client's {@code channel}. */
    static ClientChannel create(ClientSession session, SessionFacts facts, GatewayChannelSession channel) throws IOException {
        GatewayChannelSession.PtyRequest pty = channel.pty();
        Map<String, String> env = new LinkedHashMap<>();
        channel.getEnvironment().getEnv().forEach((k, v) -> {
            if (GatewayChannelSession.allowedEnv(k) && !(pty != null && k.equals("TERM"))) {
                env.put(k, v);
            }
        });
        PtyChannelConfiguration config = new PtyChannelConfiguration();
        if (pty != null) {
            config.setPtyType(pty.term());
            config.setPtyColumns(pty.cols());
            config.setPtyLines(pty.rows());
            config.setPtyWidth(pty.widthPx());
            config.setPtyHeight(pty.heightPx());
            config.setPtyModes(pty.modes());
        }
        switch (facts.kind()) {
            case SFTP:
                return session.createSubsystemChannel("sftp");
            case EXEC: {
                PtyCapableChannelSession exec = session.createExecChannel(facts.command(), config, env);
                exec.setUsePty(pty != null);
                return exec;
            }
            default: {
                PtyCapableChannelSession shell = session.createShellChannel(config, env);
                shell.setUsePty(pty != null);
                return shell;
            }
        }
    }
}
