package dev.gatehouse.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Jupyter Notebook server "on the node": Debian's {@code jupyter-notebook} (notebook 6.4)
 * on {@code 127.0.0.1:PORT}, with its own temp notebook dir and HOME, no browser, and token and
 * password off, because the gateway is what authenticates (as the README tells operators to run
 * it). Jupyter still checks its XSRF cookie on writes and, for kernel WebSockets, that
 * {@code Origin} matches the {@code Host} it sees; {@code allow_remote_access} lets it accept the
 * {@code Host: jupyter--gpu-node-1.apps.localhost:PORT} a pass-through proxy sends (notebook 6
 * otherwise refuses any Host that is not a local name).
 */
final class Jupyter implements AutoCloseable {
    static final String BINARY = "jupyter-notebook";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path dir;
    private final Path log;
    private final int port;

    private Jupyter(Process process, Path dir, Path log, int port) {
        this.process = process;
        this.dir = dir;
        this.log = log;
        this.port = port;
    }

    /** Starts the server and waits until {@code GET /api} answers; fails with its output otherwise. */
    static Jupyter start() {
        try {
            Path dir = Files.createTempDirectory("gatehouse-jupyter-");
            Path notebooks = Files.createDirectories(dir.resolve("notebooks"));
            Path home = Files.createDirectories(dir.resolve("home"));
            Path log = dir.resolve("jupyter.log");
            int port = NodeSshd.freePort();
            List<String> cmd = new ArrayList<>(List.of(BINARY,
                    "--no-browser", "--ip=127.0.0.1", "--port=" + port, "--port-retries=0",
                    "--notebook-dir=" + notebooks,
                    "--NotebookApp.token=", "--NotebookApp.password=",
                    "--NotebookApp.allow_remote_access=True"));
            if (ProcessHandle.current().info().user().map("root"::equals).orElse(false)) {
                cmd.add("--allow-root"); // CI runs the suite as root; notebook 6 refuses root without it
            }
            Process p = Proc.builder(cmd, Map.of(
                            "HOME", home.toString(),
                            "JUPYTER_CONFIG_DIR", home.resolve(".jupyter").toString(),
                            "JUPYTER_DATA_DIR", home.resolve(".local/share/jupyter").toString(),
                            "JUPYTER_RUNTIME_DIR", home.resolve("runtime").toString(),
                            "IPYTHONDIR", home.resolve(".ipython").toString()))
                    .directory(notebooks.toFile())
                    .redirectInput(new File("/dev/null"))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            Jupyter j = new Jupyter(p, dir, log, port);
            j.awaitAnswer();
            return j;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + BINARY + " (bin/test installs jupyter-notebook)", e);
        }
    }

    private void awaitAnswer() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(BINARY + " exited with " + process.exitValue() + "; its output:\n" + log());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/api"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"version\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            NodeSshd.sleep(200);
        }
        close();
        throw new IllegalStateException(BINARY + " did not answer on " + base() + " within " + START_TIMEOUT
                + "; its output:\n" + log());
    }

    int port() {
        return port;
    }

    /** The direct address, {@code http://127.0.0.1:PORT}; also the policy {@code target} (as seen from the node). */
    String base() {
        return "http://127.0.0.1:" + port;
    }

    String target() {
        return base();
    }

    /** The notebook directory (files uploaded through the contents API land here). */
    Path notebookDir() {
        return dir.resolve("notebooks");
    }

    String log() {
        return Proc.tail(log);
    }

    /** Stops the server and its kernels (the whole process tree). */
    @Override
    public void close() {
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroy();
        tree.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tree.forEach(ProcessHandle::destroyForcibly);
        Keys.deleteTree(dir);
    }
}
