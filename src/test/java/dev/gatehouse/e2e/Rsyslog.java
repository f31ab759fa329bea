package dev.gatehouse.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real rsyslog (Debian's {@code rsyslogd}) run by the test in the foreground with its own
 * configuration in a temporary folder: {@code imtcp} on a free high loopback port (octet-counted
 * framing, RFC 6587), every message written to {@code messages.log} as
 * {@code MSGID STRUCTURED-DATA}. It never reads /etc/rsyslog.conf, never opens /dev/log (no
 * imuxsock), never touches the system's service.
 */
final class Rsyslog implements AutoCloseable {
    private static final Pattern LINE = Pattern.compile("(\\S+) \\[gatehouse@32473 chain=\"([^\"]+)\" seq=\"(\\d+)\".*");

    /** One received message: its MSGID (the event type), chain and sequence number. */
    record Message(String type, String chain, long seq) {}

    private final Path dir;
    private final int port;
    private final Process process;

    private Rsyslog(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    static Rsyslog start() {
        try {
            Path dir = Files.createTempDirectory("gatehouse-rsyslog-");
            int port = NodeSshd.freePort();
            Files.writeString(dir.resolve("rsyslog.conf"), String.join("\n",
                    "global(workDirectory=\"" + dir + "\")",
                    "module(load=\"imtcp\")",
                    "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + port + "\")",
                    "template(name=\"events\" type=\"string\" string=\"%msgid% %structured-data%\\n\")",
                    "*.* action(type=\"omfile\" file=\"" + dir.resolve("messages.log") + "\" template=\"events\")",
                    ""));
            Process p = new ProcessBuilder("/usr/sbin/rsyslogd", "-n", "-f", dir.resolve("rsyslog.conf").toString(),
                    "-i", dir.resolve("rsyslogd.pid").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("rsyslogd.out").toFile()).start();
            Rsyslog r = new Rsyslog(dir, port, p);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (true) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    return r;
                } catch (IOException notYet) {
                    if (!p.isAlive() || System.nanoTime() > deadline) {
                        r.close();
                        throw new IllegalStateException("rsyslogd did not listen on " + port + ": "
                                + Files.readString(dir.resolve("rsyslogd.out")));
                    }
                    NodeSshd.sleep(100);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    /** What rsyslog has written so far, parsed; lines of other senders are skipped. */
    List<Message> messages() {
        Path log = dir.resolve("messages.log");
        List<Message> out = new ArrayList<>();
        try {
            if (!Files.exists(log)) {
                return out;
            }
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = LINE.matcher(line);
                if (m.matches()) {
                    out.add(new Message(m.group(1), m.group(2), Long.parseLong(m.group(3))));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The raw file, for failure messages. */
    String raw() {
        try {
            Path log = dir.resolve("messages.log");
            return Files.exists(log) ? Files.readString(log) : "(nothing written)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
