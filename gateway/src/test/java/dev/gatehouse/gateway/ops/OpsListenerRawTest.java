package dev.gatehouse.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operations listener spoken to over a raw socket, as an attacker or a broken client would:
 * ambiguous framing (request smuggling), odd request targets, malformed and oversized requests.
 * Each must get one clear answer, and an ambiguous or broken one a closed connection. And the
 * DNS-rebinding guard: only a {@code Host} naming this listener is answered.
 */
class OpsListenerRawTest {
    /** The one {@code ops.hosts} name of the listener under test. */
    private static final String NAME = "gatehouse-1.mgmt.example";
    private OpsListener listener;
    private int port;

    @BeforeEach
    void start() throws IOException {
        listener = new OpsListener(new InetSocketAddress("127.0.0.1", 0), new OpsMetrics(Clock.systemUTC()), Optional::empty,
                List.of(NAME));
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
        String answer = exchange("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 35\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertThat(responses(answer)).as(answer).isEqualTo(1);
        assertThat(answer).doesNotContain("ready\n").doesNotContain("<still open>");
    }

    @Test
    void oddTargetsAre404OrBadRequestAndNeverServed() throws IOException {
        for (String target : new String[] {"//metrics", "/metrics/", "/METRICS", "/metrics%00", "http://evil.example/metrics",
                "*", "/./metrics", "/metrics;x=1"}) {
            String answer = exchange("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertThat(answer).as(target).matches("(?s)HTTP/1\\.1 (404|400) .*").doesNotContain("# TYPE");
        }
    }

    /** Threat: malformed or oversized requests hang the connection or get an answer that reflects them. */
    @Test
    void malformedAndOversizedRequestsGetAClearAnswerAndAClose() throws IOException {
        String garbage = exchange("GARBAGE\r\n\r\n");
        assertThat(garbage).startsWith("HTTP/1.1 400").doesNotContain("<still open>");
        String longHeader = exchange("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n");
        assertThat(longHeader).matches("(?s)HTTP/1\\.1 (400|431) .*").doesNotContain("<still open>").doesNotContain("aaaa");
        String bigBody = exchange("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n" + "b".repeat(5000));
        // keep-alive: the aggregator answers 413 at once and discards the declared body (the read timeout ends a stall)
        assertThat(bigBody).matches("(?s)HTTP/1\\.1 413 .*").doesNotContain("bbbb");
        String badLength = exchange("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n");
        assertThat(badLength).startsWith("HTTP/1.1 400").doesNotContain("<still open>");
    }

    /** The status line and headers of an answer, without its body. */
    private static String head(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        return end < 0 ? answer : answer.substring(0, end);
    }

    /**
     * Threat: DNS rebinding. A page at evil.example, opened in a browser on the gateway host,
     * re-resolves its name to 127.0.0.1 and reads http://evil.example:9464/metrics as its own
     * origin; the browser sends the attacker's name as Host. Such a request (and names merely
     * containing an allowed one) must get 421 and not one metric, health or readiness byte.
     */
    @Test
    void anAttackerHostIsRefused421WithoutMetrics() throws IOException {
        for (String host : List.of("evil.example:9464", "evil.example", "EVIL.Example.", "127.0.0.1.nip.io:9464",
                "localhost.evil.example", NAME + ".evil.example", "evil-" + NAME, "mgmt.example", "localhos")) {
            for (String path : List.of("/metrics", "/healthz", "/readyz")) {
                String answer = exchange("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: Mozilla/5.0\r\n\r\n");
                assertThat(answer).as(host + path).startsWith("HTTP/1.1 421 Misdirected Request\r\n")
                        .contains("\r\n\r\nmisdirected request: ")
                        .doesNotContain("# TYPE").doesNotContain("gatehouse_").doesNotContain("ok\n").doesNotContain("ready\n")
                        .doesNotContain("<still open>");
            }
        }
        // HTTP/1.0 is judged the same way once it names a host
        assertThat(exchange("GET /metrics HTTP/1.0\r\nHost: evil.example\r\n\r\n")).startsWith("HTTP/1.1 421 ")
                .doesNotContain("gatehouse_");
    }

    /**
     * Threat: a Host the guard cannot judge (none on HTTP/1.1, two of them, not host[:port]) is
     * answered as if allowed. RFC 9112 section 3.2: such requests get 400.
     */
    @Test
    void aMissingDuplicateOrMalformedHostIs400WithoutMetrics() throws IOException {
        List<String> requests = List.of(
                "GET /metrics HTTP/1.1\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost:\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: ::1\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: [::1\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: [evil.example]\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: [::1]x\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:x\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: user@127.0.0.1\r\n\r\n",
                "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1/metrics\r\n\r\n");
        for (String request : requests) {
            String answer = exchange(request);
            assertThat(answer).as(request).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("\r\n\r\nbad request: ")
                    .doesNotContain("gatehouse_").doesNotContain("<still open>");
        }
    }

    @Test
    void ipLiteralsLocalhostAndAConfiguredNameAreServed() throws IOException {
        for (String host : List.of("127.0.0.1", "127.0.0.1:" + port, "10.1.2.3:9464", "[::1]", "[::1]:" + port,
                "[2001:db8::5]:9464", "[::ffff:127.0.0.1]", "localhost", "LocalHost:9464", "localhost.", NAME,
                NAME + ":9464", "Gatehouse-1.MGMT.example.:" + port)) {
            String answer = exchange("GET /metrics HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
            assertThat(answer).as(host).startsWith("HTTP/1.1 200 OK\r\n").contains("# TYPE gatehouse_");
        }
    }

    /**
     * HAProxy's {@code option httpchk GET /readyz} (docker/haproxy.cfg) sends HTTP/1.0 without a
     * Host: it must still see the gateway's readiness.
     */
    @Test
    void anHttp10HealthCheckWithoutHostIsServed() throws IOException {
        String answer = exchange("GET /readyz HTTP/1.0\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nready\n");
        assertThat(exchange("OPTIONS / HTTP/1.0\r\n\r\n")).as("HAProxy's default check").startsWith("HTTP/1.1 404 ");
    }

    /**
     * Threat: a browser or a proxy cache keeps a scrape, or sniffs the plain text as HTML or
     * script. Every answer, including those Netty's aggregator writes itself (413), carries
     * no-store and nosniff.
     */
    @Test
    void everyAnswerForbidsCachingAndSniffing() throws IOException {
        List<String> answers = new ArrayList<>();
        answers.add(exchange("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        answers.add(exchange("GET /nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        answers.add(exchange("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
        answers.add(exchange("GET /metrics HTTP/1.1\r\nHost: evil.example\r\n\r\n"));
        answers.add(exchange("GET /metrics HTTP/1.1\r\n\r\n"));
        answers.add(exchange("GARBAGE\r\n\r\n"));
        answers.add(exchange("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n" + "b".repeat(5000)));
        assertThat(answers).extracting(a -> a.substring(9, 12)).containsExactly("200", "404", "405", "421", "400", "400", "413");
        for (String a : answers) {
            assertThat(head(a)).as(a).containsIgnoringCase("\r\ncache-control: no-store")
                    .containsIgnoringCase("\r\nx-content-type-options: nosniff");
        }
    }

    /**
     * Threat: log flooding. A page retrying its rebinding attack many times a second must not
     * flood the log: the first refusal is logged, then at most one line a minute, which says how
     * many refusals it stands for.
     */
    @Test
    void refusalsAreLoggedAtMostOnceAMinute() {
        Logger log = (Logger) LoggerFactory.getLogger(OpsHandler.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        log.addAppender(appender);
        Level before = log.getLevel();
        log.setLevel(Level.INFO);
        AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(5));
        OpsHandler handler = new OpsHandler(new OpsMetrics(Clock.systemUTC()), Optional::empty, new OpsHosts(List.of()), now::get);
        try {
            assertThat(refused(handler, "evil.example:9464")).isEqualTo(421);
            assertThat(refused(handler, "evil.example:9464")).isEqualTo(421);
            assertThat(refused(handler, null)).isEqualTo(400);
            now.addAndGet(TimeUnit.SECONDS.toNanos(59));
            assertThat(refused(handler, "other.example")).isEqualTo(421);
            assertThat(appender.list).hasSize(1);
            assertThat(appender.list.get(0).getLevel()).isEqualTo(Level.WARN);
            assertThat(appender.list.get(0).getFormattedMessage()).contains("refused 421", "Host 'evil.example:9464'",
                    "0 more refused");
            now.addAndGet(TimeUnit.SECONDS.toNanos(2));
            // Netty refuses C0 controls in a header; a C1 control (CSI to a VT terminal) gets through, and is escaped
            assertThat(refused(handler, "x\u009b2J.example")).isEqualTo(400);
            assertThat(appender.list).hasSize(2);
            assertThat(appender.list.get(1).getFormattedMessage()).contains("refused 400", "3 more refused", "x\\x9b2J")
                    .doesNotContain("\u009b");
        } finally {
            log.detachAppender(appender);
            log.setLevel(before);
        }
    }

    /** Passes one GET /metrics with {@code host} (none when null) through {@code handler}; returns the status. */
    private static int refused(OpsHandler handler, String host) {
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/metrics");
        if (host != null) {
            request.headers().set("Host", host);
        }
        ch.writeInbound(request);
        FullHttpResponse response = ch.readOutbound();
        try {
            assertThat(response.content().toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("gatehouse_");
            return response.status().code();
        } finally {
            response.release();
            ch.finishAndReleaseAll();
        }
    }
}
