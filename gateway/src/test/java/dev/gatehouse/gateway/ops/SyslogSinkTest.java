package dev.gatehouse.gateway.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyslogSinkTest {
    private static final Pattern MESSAGE = Pattern.compile("<(\\d+)>1 (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z) (\\S+)"
            + " gatehouse (\\d+) (\\S+) \\[gatehouse@32473 chain=\"(gw-[0-9a-f]+)\" seq=\"(\\d+)\" hash=\"([0-9a-f]{64})\""
            + " prev_hash=\"([0-9a-f]{64})\"(.*)\\] (\\{.*\\})");
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-30T01:02:03.456789Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;
    private AuditStore store;
    private SyslogReceiver receiver;
    private SyslogSink sink;

    @BeforeEach
    void open() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        JwsSigner signer = JwsSigner.es256(ec.generateKeyPair());
        store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + dir.resolve("audit.db"), "gw-00000000000000a1",
                CheckpointSigner.of(signer::sign, signer::verify), clock));
        receiver = new SyslogReceiver();
    }

    @AfterEach
    void close() throws Exception {
        if (sink != null) {
            sink.close();
        }
        receiver.close();
        store.close();
    }

    private SyslogSink sink() throws Exception {
        GatewayConfig.Syslog config = new GatewayConfig.Syslog("127.0.0.1", receiver.port(), false, Optional.empty(), "gatehouse", 10);
        sink = new SyslogSink(config, store, dir, Duration.ofMillis(20), Duration.ofMillis(10), Duration.ofMillis(200));
        sink.start();
        return sink;
    }

    private void append(int n) {
        for (int i = 0; i < n; i++) {
            store.append(AuditEvent.of("session.start", clock.instant(), "success").withUser("alice").with("i", i));
        }
        store.flush();
    }

    private List<Long> seqs() {
        return receiver.messages.stream().map(m -> {
            Matcher x = MESSAGE.matcher(m);
            assertThat(x.matches()).as(m).isTrue();
            return Long.parseLong(x.group(7));
        }).toList();
    }

    /**
     * Threat: an attacker-chosen SSH user name or command with quotes, a closing bracket, a line
     * break or a terminal escape forges structured-data fields or whole lines at the SIEM, or
     * rewrites an analyst's terminal.
     */
    @Test
    void eachEventIsOneRfc5424MessageWithChainPositionAndEscapedText() throws Exception {
        store.append(AuditEvent.of("auth.failure", clock.instant(), "failure").withSource("203.0.113.9:4022")
                .withUser("eve\"] [x@1 forged=\"1\"]\n<13>1 fake\u001b[31m").with("command", "rm -rf /\r\nécho"));
        store.flush();
        sink();
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.messages.size() == 1);
        String m = receiver.messages.get(0);
        Matcher x = MESSAGE.matcher(m);
        assertThat(x.matches()).as(m).isTrue();
        assertThat(Integer.parseInt(x.group(1))).as("authpriv (10) * 8 + notice (5)").isEqualTo(85);
        assertThat(x.group(2)).isEqualTo("2026-11-30T01:02:03.456789Z");
        assertThat(x.group(5)).isEqualTo("auth.failure");
        assertThat(x.group(6)).isEqualTo("gw-00000000000000a1");
        assertThat(x.group(7)).isEqualTo("1");
        assertThat(x.group(8)).isEqualTo(store.chainEvents("gw-00000000000000a1", 0, 1).get(0).hash());
        assertThat(x.group(9)).isEqualTo("0".repeat(64));
        assertThat(m).as("nothing outside printable ASCII reaches the receiver").matches("[\\x20-\\x7e]*");
        assertThat(x.group(10)).contains(" outcome=\"failure\" source=\"203.0.113.9:4022\"")
                .contains(" user=\"eve\\\"\\] [x@1 forged=\\\"1\\\"\\]\\\\n<13>1 fake\\\\x1b[31m\"");
        assertThat(x.group(11)).contains("\"command\":\"rm -rf /\\r\\n\\u00E9cho\"");
    }

    @Test
    void framesAreOctetCountedInUtf8Bytes() {
        byte[] frame = Rfc5424.frame("<14>1 é");
        assertThat(new String(frame, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("8 <14>1 é");
    }

    @Test
    void aRestartedSinkResumesAfterItsSavedCursor() throws Exception {
        append(3);
        sink();
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.cursor() == 3);
        sink.close();
        assertThat(Files.readString(dir.resolve("audit-syslog.cursor"))).contains("\"seq\":3").contains("gw-00000000000000a1");
        append(2);
        sink();
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.cursor() == 5);
        assertThat(seqs()).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void aDroppedConnectionIsReconnectedAndNothingIsLost() throws Exception {
        append(2);
        sink();
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.cursor() == 2);
        receiver.dropConnections();
        append(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.cursor() == 5);
        assertThat(seqs()).as("at least once, in order, no gap").containsSubsequence(1L, 2L, 3L, 4L, 5L)
                .containsAll(List.of(1L, 2L, 3L, 4L, 5L));
        assertThat(seqs().stream().distinct().count()).isEqualTo(5);
    }

    @Test
    void aReceiverThatIsDownIsRetriedWithBackoffAndGetsEverythingOnceUp() throws Exception {
        int port = receiver.port();
        receiver.close();
        append(4);
        GatewayConfig.Syslog config = new GatewayConfig.Syslog("127.0.0.1", port, false, Optional.empty(), "gatehouse", 10);
        sink = new SyslogSink(config, store, dir, Duration.ofMillis(20), Duration.ofMillis(10), Duration.ofMillis(100));
        sink.start();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> sink.cursor() == 0 && !sink.connected());
        try (java.net.ServerSocket reuse = new java.net.ServerSocket()) {
            reuse.setReuseAddress(true);
            reuse.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
            java.net.Socket s = reuse.accept();
            byte[] got = s.getInputStream().readNBytes(40);
            assertThat(new String(got, java.nio.charset.StandardCharsets.US_ASCII)).matches("\\d+ <86>1 .*");
            s.close();
        }
    }

    /** A receiver context with a server certificate for {@code localhost} from a fresh test TLS CA, whose PEM goes to {@code caPem}. */
    private static javax.net.ssl.SSLContext receiverTls(Path caDir, Path caPem) throws Exception {
        var ca = dev.gatehouse.pki.testing.PkiFixtures.tlsCa(caDir, Clock.systemUTC());
        Files.writeString(caPem, ca.certificatePem());
        var server = ca.serverCertificate("localhost");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", server.privateKey(), new char[0], server.chain().toArray(new java.security.cert.Certificate[0]));
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    @Test
    void overTlsEventsReachAReceiverWhoseCertificateChainsToTheCaFile() throws Exception {
        receiver.close();
        Files.createDirectories(dir.resolve("ca"));
        receiver = new SyslogReceiver(receiverTls(dir.resolve("ca"), dir.resolve("ca.pem")));
        append(2);
        GatewayConfig.Syslog config = new GatewayConfig.Syslog("localhost", receiver.port(), true,
                Optional.of(dir.resolve("ca.pem")), "gatehouse", 10);
        sink = new SyslogSink(config, store, dir, Duration.ofMillis(20), Duration.ofMillis(10), Duration.ofMillis(100));
        sink.start();
        await().atMost(Duration.ofSeconds(15)).until(() -> sink.cursor() == 2);
        assertThat(seqs()).containsExactly(1L, 2L);
    }

    /** Threat: someone who takes over the receiver's address (DNS, a rogue host) collects the audit log. */
    @Test
    void overTlsAReceiverWithACertificateFromAnotherCaGetsNothing() throws Exception {
        receiver.close();
        Files.createDirectories(dir.resolve("rogue"));
        Files.createDirectories(dir.resolve("trusted"));
        receiver = new SyslogReceiver(receiverTls(dir.resolve("rogue"), dir.resolve("rogue.pem")));
        receiverTls(dir.resolve("trusted"), dir.resolve("trusted.pem"));
        append(2);
        GatewayConfig.Syslog config = new GatewayConfig.Syslog("localhost", receiver.port(), true,
                Optional.of(dir.resolve("trusted.pem")), "gatehouse", 10);
        sink = new SyslogSink(config, store, dir, Duration.ofMillis(20), Duration.ofMillis(10), Duration.ofMillis(100));
        sink.start();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> sink.cursor() == 0 && !sink.connected());
        assertThat(receiver.messages).isEmpty();
    }
}
