package dev.gatehouse.gateway.shell;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.Identity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * The gateway's own command shell, for SSH user names without {@code @}: one command
 * ({@code ssh gateway whoami}) or an interactive prompt with minimal line editing (echo,
 * backspace, Ctrl-C, Ctrl-D). Runs on the gateway's command pool, never on an I/O thread.
 */
public final class GatewayShell implements Command {
    private final GatewayServices services;
    private final Identity identity;
    private final String commandLine;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private volatile boolean destroyed;

    /** @param commandLine the exec command, or null for an interactive shell */
    public GatewayShell(GatewayServices services, Identity identity, String commandLine) {
        this.services = services;
        this.identity = identity;
        this.commandLine = commandLine;
    }

    @Override
    public void setInputStream(InputStream value) {
        in = value;
    }

    @Override
    public void setOutputStream(OutputStream value) {
        out = value;
    }

    @Override
    public void setErrorStream(OutputStream value) {
        err = value;
    }

    @Override
    public void setExitCallback(ExitCallback value) {
        exit = value;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        boolean pty = env.getEnv().containsKey(Environment.ENV_TERM) || !env.getPtyModes().isEmpty();
        services.commandPool().execute(() -> {
            int status;
            try {
                status = commandLine != null ? runOne(pty) : interactive(pty);
            } catch (IOException | RuntimeException e) {
                status = 1;
            }
            exit.onExit(status);
        });
    }

    private int runOne(boolean pty) {
        PrintStream o = stream(out, pty);
        PrintStream e = stream(err, pty);
        int status = new ShellCommands(services, identity).run(commandLine, o, e);
        o.flush();
        e.flush();
        return status;
    }

    private int interactive(boolean pty) throws IOException {
        PrintStream o = stream(out, pty);
        ShellCommands commands = new ShellCommands(services, identity);
        o.println("Gatehouse gateway shell for " + identity.user() + ". Type 'help'; reach a node with ssh LOGIN@NODE@gateway.");
        while (!destroyed) {
            o.print("gatehouse> ");
            o.flush();
            String line = readLine(o, pty);
            if (line == null) {
                o.println();
                o.flush();
                return 0;
            }
            String trimmed = line.trim();
            if (trimmed.equals("exit") || trimmed.equals("quit") || trimmed.equals("logout")) {
                return 0;
            }
            commands.run(trimmed, o, o);
            o.flush();
        }
        return 0;
    }

    /** Reads a line, echoing when there is a pty; null at end of input. */
    private String readLine(PrintStream echo, boolean pty) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0 || (c == 4 && line.size() == 0)) {
                return null;
            }
            if (c == '\r' || c == '\n') {
                if (pty) {
                    echo.println();
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            if (c == 3) {
                if (pty) {
                    echo.println("^C");
                }
                return "";
            }
            if (c == 0x7f || c == 8) {
                if (line.size() > 0) {
                    byte[] b = line.toByteArray();
                    int cut = b.length - 1;
                    while (cut > 0 && (b[cut] & 0xc0) == 0x80) {
                        cut--;
                    }
                    line.reset();
                    line.write(b, 0, cut);
                    if (pty) {
                        echo.print("\b \b");
                        echo.flush();
                    }
                }
                continue;
            }
            if (line.size() >= ShellCommands.MAX_LINE + 1) {
                continue;
            }
            line.write(c);
            if (pty && c >= 0x20) {
                echo.write(c);
                echo.flush();
            }
        }
    }

    /** With a pty, the client expects CR LF line ends. */
    private static PrintStream stream(OutputStream target, boolean pty) {
        OutputStream o = !pty ? target : new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                if (b == '\n') {
                    target.write('\r');
                }
                target.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                int start = off;
                for (int i = off; i < off + len; i++) {
                    if (b[i] == '\n') {
                        target.write(b, start, i - start);
                        target.write('\r');
                        start = i;
                    }
                }
                target.write(b, start, off + len - start);
            }

            @Override
            public void flush() throws IOException {
                target.flush();
            }
        };
        return new PrintStream(o, false, StandardCharsets.UTF_8);
    }

    @Override
    public void destroy(ChannelSession channel) {
        destroyed = true;
    }
}
