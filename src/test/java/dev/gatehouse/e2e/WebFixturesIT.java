package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The web harness on its own, without a gateway: the app, Jupyter, the browser and curl do what
 * the HTTPS proxy tests ({@link AppProxyIT}, {@link WebLoginIT}, {@link JupyterIT}) rely on, so a
 * failure there is the gateway's and not the harness's. Each check talks to the service directly
 * on loopback, as the node's sshd tunnel will.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebFixturesIT {
    private AppEcho echo;
    private Path dir;
    private Web curl;

    @BeforeAll
    void start() throws Exception {
        echo = AppEcho.start();
        dir = Files.createTempDirectory("gatehouse-webfix-");
        curl = Web.plain(dir);
    }

    @AfterAll
    void stop() {
        if (echo != null) {
            echo.close();
        }
        Keys.deleteTree(dir);
    }

    /** curl maps *.localhost to loopback (so the app host names need no --resolve) and /headers shows what was sent. */
    @Test
    void curlResolvesDotLocalhostAndHeadersEchoesEveryValue() {
        Web.Response r = curl.request("http://echo--gpu-node-1.apps.localhost:" + echo.port() + "/headers",
                "-H", "X-Twice: one", "-H", "X-Twice: two");
        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        JsonNode h = Json.parse(r.body());
        assertThat(h.get("host").get(0).asText()).isEqualTo("echo--gpu-node-1.apps.localhost:" + echo.port());
        assertThat(h.get("x-twice")).hasSize(2);
    }

    /** /redirect names the upstream's own address and /cookie a Domain: the two things the proxy must rewrite. */
    @Test
    void redirectAndCookieCarryTheUpstreamAddress() {
        Web.Response r = curl.request(echo.target() + "/redirect");
        assertThat(r.status()).isEqualTo(302);
        assertThat(r.header("location")).isEqualTo(echo.target() + "/target");
        Web.Response c = curl.request(echo.target() + "/cookie");
        assertThat(c.header("set-cookie")).isEqualTo("echo=1; Domain=127.0.0.1; Path=/");
    }

    /** Events leave one by one: curl -N reads the first one long before the last is even sent. */
    @Test
    void sseEventsArriveAsTheyAreSent() {
        int before = echo.sseSentNanos("direct").size();
        try (Web.Stream s = curl.stream(echo.target() + "/sse?n=5&gap_ms=300&tag=direct")) {
            List<Web.Line> lines = s.awaitLines(1, Duration.ofSeconds(10));
            assertThat(lines.get(0).text()).isEqualTo("data: 1");
            long firstRead = lines.get(0).nanos();
            assertThat(s.awaitExit(Duration.ofSeconds(10))).as(s.describe()).isZero();
            assertThat(s.lines()).extracting(Web.Line::text).containsExactly("data: 1", "data: 2", "data: 3", "data: 4", "data: 5");
            List<Long> sent = echo.sseSentNanos("direct").subList(before, before + 5);
            long lastSent = sent.get(4);
            assertThat(Duration.ofNanos(lastSent - firstRead).toMillis()).as("first event read before the last is sent")
                    .isGreaterThan(600);
        }
    }

    /** A body streamed both ways keeps every byte: /big matches its pattern, /upload hashes what it got. */
    @Test
    void bigDownloadAndUploadMatchTheirSha256() throws Exception {
        long n = 5L * 1024 * 1024 + 17;
        assertThat(curl.downloadSha256(echo.target() + "/big?bytes=" + n, null)).isEqualTo(AppEcho.bigBodySha256(n));
        Path file = dir.resolve("upload.bin");
        Keys.writeRandom(file, 3 * 1024 * 1024 + 5);
        Web.Response r = curl.upload(echo.target() + "/upload", null, file);
        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        assertThat(r.body().strip()).isEqualTo(Keys.sha256(file));
    }

    /** /ws echoes text and binary frames unchanged. */
    @Test
    void webSocketEchoesTextAndBinary() {
        try (WsClient ws = WsClient.connect(URI.create("ws://echo.localhost:" + echo.port() + "/ws"), null, null)) {
            ws.sendText("hello über");
            assertThat(ws.next(Duration.ofSeconds(5)).text()).isEqualTo("hello über");
            byte[] bin = {0, 1, 2, (byte) 0xff};
            ws.sendBinary(bin);
            assertThat(ws.next(Duration.ofSeconds(5)).binary()).containsExactly(bin);
            ws.closeNormally();
        }
    }

    /**
     * Jupyter from Debian starts on loopback without token, and the real browser drives it: a new
     * Python 3 notebook runs {@code print(6*7)} over the kernel WebSocket and a file round-trips
     * through the contents API with Jupyter's XSRF check on. Selenium Manager never runs (the
     * driver and browser paths are explicit), so its cache stays empty.
     */
    @Test
    void jupyterRunsACellInTheBrowserDirectly() {
        Path seleniumCache = Path.of(System.getProperty("user.home"), ".cache", "selenium");
        boolean cacheBefore = Files.exists(seleniumCache);
        try (Jupyter jupyter = Jupyter.start(); Browser b = Browser.start()) {
            NotebookUi.newPythonNotebook(b, jupyter.base());
            assertThat(NotebookUi.runCell(b, "print(6*7)")).as(jupyter.log()).isEqualTo("42");
            assertThat(NotebookUi.uploadAndDownload(b, "hello.txt", "hi from e2e")).isEqualTo("201\nhi from e2e");
            assertThat(jupyter.notebookDir().resolve("hello.txt")).hasContent("hi from e2e");
        }
        if (!cacheBefore) {
            assertThat(seleniumCache).as("Selenium Manager ran (it caches drivers there)").doesNotExist();
        }
    }
}
