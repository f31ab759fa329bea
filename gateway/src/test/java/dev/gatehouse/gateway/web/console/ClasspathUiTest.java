package dev.gatehouse.gateway.web.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The console's pages and assets as {@link ClasspathUi} serves them from a class loader's {@code console-ui/}. */
class ClasspathUiTest {
    @TempDir
    Path dir;

    private ClasspathUi ui;

    @BeforeEach
    void bundle() throws IOException {
        write("console-ui/pages/index.html", "<!doctype html><title>overview</title>");
        write("console-ui/pages/requests.html", "<!doctype html><title>requests</title>");
        write("console-ui/pages/sessions.html", "<!doctype html><title>sessions</title>");
        write("console-ui/pages/session.html", "<!doctype html><title>session</title>");
        write("console-ui/pages/audit.html", "<!doctype html><title>audit</title>");
        write("console-ui/assets/console.css", "body { margin: 0 }");
        write("console-ui/assets/js/console.js", "export const x = 1;");
        write("console-ui/assets/vendor/asciinema-player.min.js", "var AsciinemaPlayer = {};");
        write("console-ui/assets/.hidden.js", "hidden");
        // what a path traversal would be after: files next to and above the bundle
        write("console-ui/secret.txt", "SECRET-NEXT-TO-BUNDLE");
        write("secret.txt", "SECRET-ABOVE-BUNDLE");
        write("console-ui/assets/Gateway.class", "CAFEBABE");
        ui = new ClasspathUi(loader());
    }

    private void write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private ClassLoader loader() throws IOException {
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, null);
    }

    private static String text(ApiResponse.Body b) {
        return new String(b.bytes(), StandardCharsets.UTF_8);
    }

    @Test
    void pagePathsAnswerTheirHtmlShells() {
        assertThat(text(ui.get("/").orElseThrow())).contains("overview");
        assertThat(text(ui.get("/requests").orElseThrow())).contains("requests");
        assertThat(text(ui.get("/sessions").orElseThrow())).contains("<title>sessions");
        assertThat(text(ui.get("/sessions/s-20261130-0042").orElseThrow())).contains("<title>session<");
        ApiResponse.Body audit = ui.get("/audit").orElseThrow();
        assertThat(audit.status()).isEqualTo(200);
        assertThat(audit.contentType()).isEqualTo("text/html; charset=utf-8");
        assertThat(audit.fileName()).isNull();
    }

    @Test
    void assetsHaveTheirMediaTypes() {
        assertThat(ui.get("/assets/console.css").orElseThrow().contentType()).isEqualTo("text/css; charset=utf-8");
        assertThat(ui.get("/assets/js/console.js").orElseThrow().contentType()).isEqualTo("text/javascript; charset=utf-8");
        ApiResponse.Body player = ui.get("/assets/vendor/asciinema-player.min.js").orElseThrow();
        assertThat(player.contentType()).isEqualTo("text/javascript; charset=utf-8");
        assertThat(text(player)).isEqualTo("var AsciinemaPlayer = {};");
    }

    /** A browser revalidates an asset with If-None-Match and gets a 304 without a body while it is unchanged (RFC 9110 §13.1.2). */
    @Test
    void assetsCarryAnEtagAndRevalidateTo304() {
        ConsoleUi.Resource css = ui.resource("/assets/console.css", null).orElseThrow();
        String etag = css.headers().get("ETag");
        assertThat(etag).matches("\"[A-Za-z0-9_-]{22}\"");
        assertThat(css.headers()).containsEntry("Cache-Control", "no-cache");
        assertThat(ui.resource("/assets/js/console.js", null).orElseThrow().headers().get("ETag"))
                .as("different bytes, different tag").isNotEqualTo(etag);

        ConsoleUi.Resource again = ui.resource("/assets/console.css", "\"other\", " + etag).orElseThrow();
        assertThat(again.body().status()).isEqualTo(304);
        assertThat(again.body().bytes()).isEmpty();
        assertThat(again.headers()).containsEntry("ETag", etag);
        assertThat(ui.resource("/assets/console.css", "W/" + etag).orElseThrow().body().status()).isEqualTo(304);

        ConsoleUi.Resource stale = ui.resource("/assets/console.css", "\"stale\"").orElseThrow();
        assertThat(stale.body().status()).isEqualTo(200);
        assertThat(text(stale.body())).isEqualTo("body { margin: 0 }");
    }

    /** Only the session page, which runs the terminal player (WebAssembly), relaxes script-src, and only by 'wasm-unsafe-eval'. */
    @Test
    void onlyThePlayerPageAllowsWebAssembly() {
        String csp = ui.resource("/sessions/s-1", null).orElseThrow().headers().get("Content-Security-Policy");
        assertThat(csp).contains("script-src 'self' 'wasm-unsafe-eval';").doesNotContain("unsafe-inline")
                .doesNotContain("'unsafe-eval'").contains("default-src 'none'").contains("frame-ancestors 'none'");
        assertThat(ui.resource("/sessions", null).orElseThrow().headers()).doesNotContainKey("Content-Security-Policy");
        assertThat(ui.resource("/assets/js/console.js", null).orElseThrow().headers()).doesNotContainKey("Content-Security-Policy");
    }

    /**
     * Threat: a crafted path reads a file outside the console bundle (CWE-22): the gateway's
     * classes, configuration or keys on the classpath. Each of these names a file that exists on
     * the class loader, so only the path rules keep them out.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "/assets/../secret.txt", "/assets/../../secret.txt", "/assets/js/../../secret.txt", "/assets/./../secret.txt",
        "/assets/..%2fsecret.txt", "/assets/%2e%2e/secret.txt", "/assets\\..\\secret.txt", "/assets/..\\secret.txt",
        "/secret.txt", "/console-ui/secret.txt", "//secret.txt", "/assets//../secret.txt", "/sessions/../secret.txt",
        "/sessions/..", "/assets/.hidden.js", "/assets/Gateway.class", "/assets/console.css\u0000.js",
        "/assets/console.css/", "/assets/js/console.js?x", "/pages/index.html", "/requests/", "/Requests",
        "/assets/C:/secret.txt", "/assets/file:secret.txt", "/sessions/a/b", "", "/unknown"})
    void pathsOutsideTheBundleAnswerNothing(String path) {
        Optional<ApiResponse.Body> got = ui.get(path);
        assertThat(got).as(path).isEmpty();
    }

    @Test
    void theSecretFilesExistSoTheTraversalTestMeansSomething() throws IOException {
        try (URLClassLoader l = (URLClassLoader) loader()) {
            assertThat(l.getResource("console-ui/assets/../secret.txt")).isNotNull();
            assertThat(l.getResource("secret.txt")).isNotNull();
        }
    }

    /** A jar built with Maven alone (no npm run build) says so on every page instead of failing; assets are 404. */
    @Test
    void aJarWithoutTheBundleSaysHowToBuildIt() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        try (URLClassLoader l = new URLClassLoader(new URL[] {empty.toUri().toURL()}, null)) {
            ClasspathUi bare = new ClasspathUi(l);
            assertThat(bare.bundled()).isFalse();
            ApiResponse.Body page = bare.get("/requests").orElseThrow();
            assertThat(page.status()).isEqualTo(503);
            assertThat(page.contentType()).startsWith("text/html");
            assertThat(text(page)).contains("npm ci &amp;&amp; npm run build").contains("bin/run");
            assertThat(bare.get("/assets/js/console.js")).isEmpty();
            assertThat(bare.get("/nope")).isEmpty();
        }
        assertThat(ui.bundled()).isTrue();
    }
}
