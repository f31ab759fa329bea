package dev.gatehouse.gateway;

import dev.gatehouse.pki.SshKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * A MINA SSH server on a loopback port playing a node, for in-process tests of the upstream side:
 * it counts connections, runs no real commands (an exec prints {@code ran: COMMAND}; a shell prints
 * its terminal size {@code size COLSxROWS} at start and after every window change, and echoes what
 * it is sent, kept in {@link #typed}), and can refuse
 * the gateway's certificate or refuse every session channel with an RFC 4254 section 5.1 reason.
 */
final class TestNode implements AutoCloseable {
    final KeyPair hostKey = SshKeys.generateEd25519();
    final SshServer server = SshServer.setUpDefaultServer();
    /** Connections accepted (SSH sessions created). */
    final AtomicInteger connections = new AtomicInteger();
    /** Connections open now. */
    final AtomicInteger live = new AtomicInteger();
    /** Commands run, in order. */
    final List<String> ran = new CopyOnWriteArrayList<>();
    /** Everything shells on this node were sent, in order. */
    final StringBuffer typed = new StringBuffer();
    /** Certificates' key ids that authenticated. */
    final java.util.Set<String> keyIds = new java.util.concurrent.CopyOnWriteArraySet<>();

    private TestNode(boolean acceptKeys, Integer refuseCode, String refuseText, int maxSessions) throws IOException {
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> {
            if (acceptKeys && key instanceof org.apache.sshd.common.config.keys.OpenSshCertificate cert) {
                keyIds.add(cert.getId());
            }
            return acceptKeys;
        });
        server.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                connections.incrementAndGet();
                live.incrementAndGet();
            }

            @Override
            public void sessionClosed(Session session) {
                live.decrementAndGet();
            }
        });
        if (refuseCode != null || maxSessions > 0) {
            server.setServiceFactories(List.of(org.apache.sshd.server.session.ServerUserAuthServiceFactory.INSTANCE,
                    new org.apache.sshd.server.session.ServerConnectionServiceFactory() {
                        @Override
                        public org.apache.sshd.common.Service create(Session session) throws IOException {
                            return new org.apache.sshd.server.session.ServerConnectionService(
                                    (org.apache.sshd.server.session.AbstractServerSession) session) {
                                @Override
                                protected void channelOpen(Buffer buffer) throws Exception {
                                    if (refuseCode == null && channels.size() < maxSessions) {
                                        super.channelOpen(buffer);
                                        return;
                                    }
                                    Buffer peek = new org.apache.sshd.common.util.buffer.ByteArrayBuffer(
                                            buffer.array(), buffer.rpos(), buffer.available(), true);
                                    peek.getString();
                                    // OpenSSH past MaxSessions: "administratively prohibited", "open failed"
                                    sendChannelOpenFailure(buffer, peek.getUInt(),
                                            refuseCode != null ? refuseCode : org.apache.sshd.common.SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
                                            refuseText != null ? refuseText : "open failed", "");
                                }
                            };
                        }
                    }));
        }
        server.setCommandFactory((channel, command) -> new Scripted(this, command));
        server.setShellFactory(channel -> new Scripted(this, null));
        server.start();
    }

    /** A node that accepts the gateway's certificates and opens every channel. */
    static TestNode accepting() throws IOException {
        return new TestNode(true, null, null, 0);
    }

    /** A node that opens at most {@code n} session channels per connection at once, like sshd's {@code MaxSessions}. */
    static TestNode withMaxSessions(int n) throws IOException {
        return new TestNode(true, null, null, n);
    }

    /** A node that refuses every key (a node that does not trust the gateway's CA). */
    static TestNode refusingKeys() throws IOException {
        return new TestNode(false, null, null, 0);
    }

    /** A node that refuses every session channel with {@code code} and {@code description} (RFC 4254 section 5.1). */
    static TestNode refusingChannels(int code, String description) throws IOException {
        return new TestNode(true, code, description, 0);
    }

    int port() {
        return server.getPort();
    }

    String hostKeyLine() {
        return SshKeys.toLine(hostKey.getPublic());
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    /** An exec prints "ran: COMMAND" and exits 0 (or runs until closed when the command is "wait"); a shell reports its size. */
    private static final class Scripted implements Command {
        private final TestNode node;
        private final String command;
        private OutputStream out;
        private InputStream in;
        private ExitCallback exit;

        Scripted(TestNode node, String command) {
            this.node = node;
            this.command = command;
        }

        @Override public void setInputStream(InputStream value) { in = value; }
        @Override public void setOutputStream(OutputStream value) { out = value; }
        @Override public void setErrorStream(OutputStream err) { }
        @Override public void setExitCallback(ExitCallback value) { exit = value; }
        @Override public void destroy(ChannelSession channel) { }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            if (command != null) {
                node.ran.add(command);
                if (!command.equals("wait")) {
                    print("ran: " + command + "\n");
                    exit.onExit(0);
                }
                return;
            }
            env.addSignalListener((ch, signal) -> size(env), Signal.WINCH);
            size(env);
            Thread echo = new Thread(this::echo, "test-node-echo");
            echo.setDaemon(true);
            echo.start();
        }

        /** A shell echoes its input, like a terminal in cooked mode, until EOF. */
        private void echo() {
            byte[] buffer = new byte[32 * 1024];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    node.typed.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    synchronized (this) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the channel went away
            }
        }

        private void size(Environment env) {
            print("size " + env.getEnv().get(Environment.ENV_COLUMNS) + "x" + env.getEnv().get(Environment.ENV_LINES) + "\n");
        }

        private synchronized void print(String text) {
            try {
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                // the channel went away
            }
        }
    }
}
