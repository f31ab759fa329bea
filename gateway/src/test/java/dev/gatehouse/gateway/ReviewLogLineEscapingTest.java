package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
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
 * Review (issue 9): the README says the one escaping rule also serves log lines. Before any
 * authentication a client chooses the algorithm names of its KEXINIT; when negotiation fails,
 * MINA logs them (org.apache.sshd at WARN) as they are, so a stranger writes terminal control
 * sequences into the gateway's log (stderr, the journal an operator tails).
 */
class ReviewLogLineEscapingTest extends InProcessGatewayTest {
    @Test
    void aStrangersAlgorithmNamesReachTheLogEscaped() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        try (Socket s = new Socket(gw.gateway().address().getAddress(), gw.gateway().address().getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("SSH-2.0-review\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(kexinit("evil\u001b]0;pwned\u0007\u001b[2J"));
            out.flush();
            InputStream in = s.getInputStream();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            byte[] buf = new byte[4096];
            try {
                while (System.nanoTime() < deadline && in.read(buf) >= 0) {
                    // read until the gateway closes the connection
                }
            } catch (java.io.IOException e) {
                // closed or timed out
            }
        }
        Thread.sleep(500);
        root.detachAppender(appender);
        List<String> lines = appender.list.stream().map(e -> e.getFormattedMessage()
                + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage())).toList();
        assertThat(lines).as("log lines written").isNotEmpty();
        assertThat(lines).noneMatch(l -> l.indexOf('\u001b') >= 0 || l.indexOf('\u0007') >= 0);
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
