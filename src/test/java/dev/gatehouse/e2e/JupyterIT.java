package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.WebApps.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The promise, end to end with real parts: a person logs in with the web-login URL in a
 * real browser, opens Jupyter Notebook (Debian's, bound to the node's loopback, no token: the
 * gateway authenticates) at {@code https://jupyter--gpu-node-1.apps.localhost:PORT/}, creates a
 * Python 3 notebook and runs a cell, whose request and output travel over the kernel's WebSocket
 * through the gateway and the node's sshd tunnel; a file goes up and comes back down through
 * Jupyter's contents API, with Jupyter's own XSRF check on. The kernel channel is audited.
 */
class JupyterIT extends GatewayTest {
    private Jupyter jupyter;

    @Override
    Gateway.Options options() {
        jupyter = Jupyter.start();
        return WebApps.options(Map.of("jupyter", jupyter.target()));
    }

    @AfterAll
    void stopJupyter() {
        if (jupyter != null) {
            jupyter.close();
        }
    }

    @Test
    void aNotebookRunsACellAndFilesRoundTripThroughTheGateway() {
        Web web = Web.of(gw);
        String appHost = web.appHost("jupyter", Gateway.NODE);
        List<String> pins = List.of(Browser.spkiPin(gw.webHostname(), gw.webPort()), Browser.spkiPin(appHost, gw.webPort()));
        try (Browser b = Browser.start(pins)) {
            b.open(Web.webLogin(gw, gw.alice()));
            await().atMost(Duration.ofSeconds(20)).until(() -> b.url().equals(web.consoleUrl("/")));

            String origin = "https://" + appHost + ":" + gw.webPort();
            NotebookUi.newPythonNotebook(b, origin);
            assertThat(b.url()).as("the notebook is served from the app host").startsWith(origin + "/notebooks/");
            assertThat(NotebookUi.runCell(b, "print(6*7)")).as(jupyter.log()).isEqualTo("42");

            assertThat(NotebookUi.uploadAndDownload(b, "through-gateway.txt", "uploaded via gatehouse"))
                    .isEqualTo("201\nuploaded via gatehouse");
            assertThat(jupyter.notebookDir().resolve("through-gateway.txt")).hasContent("uploaded via gatehouse");
        }

        JsonNode open = gw.awaitEvent("app.websocket open on a kernel channel", e -> Json.type("app.websocket").test(e)
                && "jupyter".equals(field(e, "app")) && "open".equals(field(e, "phase"))
                && field(e, "path").startsWith("/api/kernels/") && field(e, "path").endsWith("/channels"));
        assertThat(field(open, "user")).isEqualTo("alice");
        assertThat(field(open, "node")).isEqualTo(Gateway.NODE);
        // the browser closed its kernel socket when it quit
        JsonNode close = gw.awaitEvent("app.websocket close on a kernel channel", e -> Json.type("app.websocket").test(e)
                && "jupyter".equals(field(e, "app")) && "close".equals(field(e, "phase"))
                && field(e, "path").equals(field(open, "path")));
        assertThat(Long.parseLong(field(close, "frames_in"))).isGreaterThan(0);
        assertThat(Long.parseLong(field(close, "frames_out"))).isGreaterThan(0);
        gw.awaitEvent("app.session.start by cookie for jupyter",
                WebApps.event("app.session.start", "user", "alice", "app", "jupyter", "via", "cookie"));
    }
}
