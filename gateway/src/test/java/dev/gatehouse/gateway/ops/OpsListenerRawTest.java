package dev.gatehouse.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operations listener spoken to over a raw socket, as an attacker or a broken client would:
 * ambiguous framing (request smuggling), odd request targets, malformed and oversized requests.
 * Each must get one clear answer, and an ambiguous or broken one a closed connection.
 */
class OpsListenerRawTest {
    private OpsListener listener;
    private int port;

    @BeforeEach
    void start() throws IOException {
        listener = new OpsListener(new InetSocketAddress("127.0.0.1", 0), new OpsMetrics(Clock.systemUTC()), Optional::empty);
        port = listener.start().getPort();
    }

    @AfterEach
    void stop() {
        listener.close();
    }

    /** Sends {@code request} and reads until the server closes or is silent for 5 s; returns all it answered. */
    private String exchange(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    out.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                out.write("<still open>".getBytes(StandardCharsets.ISO_8859_1));
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static int responses(String answer) {
        return answer.split("HTTP/1\\.1 ", -1).length - 1;
    }

    /**
     * Threat: request smuggling. With both Content-Length and Transfer-Encoding, a front proxy and
     * the listener could split the bytes differently and a hidden second request would be answered
     * (RFC 9112 section 6.3: a server that processes such a request must close the connection after
     * answering). Nothing after the ambiguous request may be answered on that connection.
     */
    @Test
    void contentLengthWithTransferEncodingNeverAnswersAHiddenRequest() throws IOException {
        String answer = exchange("GET /healthz HTTP/1.1\r\nHost: ops\r\nContent-Length: 35\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /readyz HTTP/1.1\r\nHost: ops\r\n\r\n");
        assertThat(responses(answer)).as(answer).isEqualTo(1);
        assertThat(answer).doesNotContain("ready\n").doesNotContain("<still open>");
    }

    @Test
    void oddTargetsAre404OrBadRequestAndNeverServed() throws IOException {
        for (String target : new String[] {"//metrics", "/metrics/", "/METRICS", "/metrics%00", "http://evil.example/metrics",
                "*", "/./metrics", "/metrics;x=1"}) {
            String answer = exchange("GET " + target + " HTTP/1.1\r\nHost: ops\r\nConnection: close\r\n\r\n");
            assertThat(answer).as(target).matches("(?s)HTTP/1\\.1 (404|400) .*").doesNotContain("# TYPE");
        }
    }

    /** Threat: malformed or oversized requests hang the connection or get an answer that reflects them. */
    @Test
    void malformedAndOversizedRequestsGetAClearAnswerAndAClose() throws IOException {
        String garbage = exchange("GARBAGE\r\n\r\n");
        assertThat(garbage).startsWith("HTTP/1.1 400").doesNotContain("<still open>");
        String longHeader = exchange("GET /metrics HTTP/1.1\r\nHost: ops\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n");
        assertThat(longHeader).matches("(?s)HTTP/1\\.1 (400|431) .*").doesNotContain("<still open>").doesNotContain("aaaa");
        String bigBody = exchange("POST /metrics HTTP/1.1\r\nHost: ops\r\nContent-Length: 100000\r\n\r\n" + "b".repeat(5000));
        // keep-alive: the aggregator answers 413 at once and discards the declared body (the read timeout ends a stall)
        assertThat(bigBody).matches("(?s)HTTP/1\\.1 413 .*").doesNotContain("bbbb");
        String badLength = exchange("GET /metrics HTTP/1.1\r\nHost: ops\r\nContent-Length: -1\r\n\r\n");
        assertThat(badLength).startsWith("HTTP/1.1 400").doesNotContain("<still open>");
    }
}
