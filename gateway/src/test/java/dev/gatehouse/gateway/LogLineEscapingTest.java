package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Threat: a stranger writes terminal control sequences (or whole forged lines) into the gateway's
 * log through text a library logs as it is: before any authentication a client chooses the
 * algorithm names of its KEXINIT, and MINA quotes them when negotiation fails. The log's pattern
 * escapes every message ({@link LogText}), whichever logger wrote it.
 */
class LogLineEscapingTest extends InProcessGatewayTest {
    @Test
    void aStrangersAlgorithmNamesReachTheLogEscaped() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        Encoder<ILoggingEvent> encoder = ((ConsoleAppender<ILoggingEvent>) root.getAppender("STDERR")).getEncoder();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        try (Socket s = new Socket(gw.gateway().address().getAddress(), gw.gateway().address().getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("SSH-2.0-review\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(kexinit("evil\u001b]0;pwned\u0007\u001b[2J\nforged line"));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            try {
                while (in.read(buf) >= 0) {
                    // read until the gateway closes the connection
                }
            } catch (java.io.IOException e) {
                // closed or timed out
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> appender.list.stream()
                    .anyMatch(e -> e.getFormattedMessage().contains("evil")));
        } finally {
            root.detachAppender(appender);
        }
        List<String> written = appender.list.stream().map(e -> new String(encoder.encode(e), StandardCharsets.UTF_8)).toList();
        String line = written.stream().filter(l -> l.contains("evil")).findFirst().orElseThrow();
        assertThat(line).as("what the log shows").contains("evil\\x1b]0;pwned\\x07\\x1b[2J\\nforged line");
        assertThat(written).noneMatch(l -> l.indexOf('\u001b') >= 0 || l.indexOf('\u0007') >= 0);
        assertThat(line.strip().lines().count()).as("one line per message").isEqualTo(1);
    }

    private static byte[] kexinit(String kex) throws Exception {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        DataOutputStream p = new DataOutputStream(payload);
        p.writeByte(20);
        p.write(new byte[16]);
        String[] lists = {kex, "ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256", "none", "none", "", ""};
        for (String l : lists) {
            byte[] b = l.getBytes(StandardCharsets.UTF_8);
            p.writeInt(b.length);
            p.write(b);
        }
        p.writeByte(0);
        p.writeInt(0);
        byte[] body = payload.toByteArray();
        int pad = 8 - ((body.length + 5) % 8);
        if (pad < 4) {
            pad += 8;
        }
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(packet);
        d.writeInt(body.length + pad + 1);
        d.writeByte(pad);
        d.write(body);
        d.write(new byte[pad]);
        return packet.toByteArray();
    }
}
