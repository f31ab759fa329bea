package dev.gatehouse.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code curl} against the gateway's HTTPS listener (or, with a null CA, against plain
 * http services such as {@link AppEcho} directly). Every call trusts only the gateway's TLS CA
 * ({@code --cacert} with the PEM from {@code gatehouse ca show tls}), never {@code -k}. Host names
 * under {@code .localhost} need no {@code --resolve}: curl answers them with loopback itself
 * (RFC 6761 §6.3; {@link WebFixturesIT} checks it).
 */
final class Web {
    /** Long enough for 200 MiB through an SSH tunnel on a busy 2-core machine. */
    static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(5);

    private final Path dir;
    private final Path caPem;
    private final String host;
    private final int port;

    private Web(Path dir, Path caPem, String host, int port) {
        this.dir = dir;
        this.caPem = caPem;
        this.host = host;
        this.port = port;
    }

    /** curl against {@code gw}'s HTTPS listener, trusting the CA that {@code ca show tls} prints. */
    static Web of(Gateway gw) {
        String pem = gw.cli("ca", "show", "tls").requireSuccess().stdout();
        assertThat(pem).as("`ca show tls` prints one PEM certificate").startsWith("-----BEGIN CERTIFICATE-----")
                .contains("-----END CERTIFICATE-----");
        Path ca = gw.dir().resolve("tls-ca.pem");
        Keys.write(ca, pem);
        return new Web(gw.dir(), ca, gw.webHostname(), gw.webPort());
    }

    /** curl without TLS, for services reached directly (the harness's own checks). */
    static Web plain(Path dir) {
        return new Web(dir, null, "127.0.0.1", 0);
    }

    Path caPem() {
        return caPem;
    }

    /** The console's origin, {@code https://HOST:PORT}, which is also the assertion's {@code iss}. */
    String console() {
        return "https://" + host + ":" + port;
    }

    String consoleUrl(String path) {
        return console() + path;
    }

    /** The app's host name, {@code APP--NODE.apps.HOST}, which is also the assertion's {@code aud}. */
    String appHost(String app, String node) {
        return app + "--" + node + ".apps." + host;
    }

    String appUrl(String app, String node, String path) {
        return "https://" + appHost(app, node) + ":" + port + path;
    }

    /** {@code ssh -p 2222 GATEWAY web-login} as {@code user}: the one-time URL, the last word printed. */
    static String webLogin(Gateway gw, Gateway.User user) {
        Proc.Result r = gw.shell(user, "web-login").requireSuccess();
        String[] words = r.stdout().strip().split("\\s+");
        String url = words[words.length - 1];
        assertThat(url).as("web-login's last word is the https login URL\n" + r.describe())
                .startsWith("https://").contains("/login?ticket=");
        return url;
    }

    /**
     * {@code ssh -p 2222 GATEWAY app-cert APP@NODE [ARGS]} as {@code user}, written to a PEM file
     * (certificate, then PKCS#8 key) that {@code curl --cert} takes as it is.
     */
    Path appCert(Gateway gw, Gateway.User user, String appAtNode, String... args) {
        String command = "app-cert " + appAtNode + (args.length == 0 ? "" : " " + String.join(" ", args));
        Proc.Result r = gw.shell(user, command).requireSuccess();
        String pem = r.stdout();
        int cert = pem.indexOf("-----BEGIN CERTIFICATE-----");
        int key = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        assertThat(cert).as("a certificate first, then a PKCS#8 key\n" + r.describe()).isGreaterThanOrEqualTo(0);
        assertThat(key).as("a certificate first, then a PKCS#8 key\n" + r.describe()).isGreaterThan(cert);
        Path file = dir.resolve("app-cert-" + user.name() + "-" + Keys.token() + ".pem");
        Keys.write(file, pem);
        return file;
    }

    /** What one curl call got: the final response's status, headers (in order) and body. */
    record Response(int status, List<Map.Entry<String, String>> headers, byte[] bodyBytes, Proc.Result curl) {
        String body() {
            return new String(bodyBytes, UTF_8);
        }

        /** Every value of header {@code name} (case-insensitive), in order. */
        List<String> headers(String name) {
            return headers.stream().filter(h -> h.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
        }

        /** The first value of header {@code name}, or "" when absent. */
        String header(String name) {
            List<String> v = headers(name);
            return v.isEmpty() ? "" : v.get(0);
        }

        String describe() {
            String b = body();
            return "HTTP " + status + "\n" + headers + "\n" + (b.length() > 2000 ? b.substring(0, 2000) + "..." : b)
                    + "\n" + curl.describe();
        }
    }

    /** The common start of every command: quiet but with errors, the CA when there is one, a deadline. */
    private List<String> base() {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "300", "--connect-timeout", "10"));
        if (caPem != null) {
            cmd.addAll(List.of("--cacert", caPem.toString()));
        }
        return cmd;
    }

    /** {@code curl ARGS URL}, without following redirects; {@code args} come before the URL. */
    Response request(String url, String... args) {
        Path headers = temp(".headers");
        Path body = temp(".body");
        try {
            List<String> cmd = base();
            cmd.addAll(List.of("-D", headers.toString(), "-o", body.toString(), "-w", "%{http_code}"));
            cmd.addAll(List.of(args));
            cmd.add(url);
            Proc.Result r = Proc.run(cmd, null, Map.of(), TRANSFER_TIMEOUT);
            String code = r.stdout().strip();
            int status = code.matches("\\d{3}") ? Integer.parseInt(code) : 0;
            return new Response(status, parseHeaders(Keys.read(headers)), Files.readAllBytes(body), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(headers);
            deleteQuietly(body);
        }
    }

    /** {@code GET url} with a client certificate (PEM from {@link #appCert}). */
    Response get(String url, Path cert, String... args) {
        List<String> a = new ArrayList<>(List.of("--cert", cert.toString()));
        a.addAll(List.of(args));
        return request(url, a.toArray(String[]::new));
    }

    /** Downloads {@code url} into a file (for bodies too big to hold) and returns its SHA-256 hex. */
    String downloadSha256(String url, Path cert) {
        Path body = temp(".download");
        try {
            List<String> cmd = base();
            if (cert != null) {
                cmd.addAll(List.of("--cert", cert.toString()));
            }
            cmd.addAll(List.of("-f", "-o", body.toString(), url));
            Proc.run(cmd, null, Map.of(), TRANSFER_TIMEOUT).requireSuccess();
            return Keys.sha256(body);
        } finally {
            deleteQuietly(body);
        }
    }

    /** POSTs {@code file} as the body (streamed by curl) and returns the response. */
    Response upload(String url, Path cert, Path file) {
        List<String> a = new ArrayList<>();
        if (cert != null) {
            a.addAll(List.of("--cert", cert.toString()));
        }
        // -T streams the file (--data-binary @file would read it all into curl's memory first)
        a.addAll(List.of("-H", "Content-Type: application/octet-stream", "-X", "POST", "-T", file.toString()));
        return request(url, a.toArray(String[]::new));
    }

    /** {@code curl -N}: the response body as it arrives, line by line, each line stamped on arrival. */
    Stream stream(String url, String... args) {
        List<String> cmd = base();
        cmd.add("-N");
        cmd.addAll(List.of(args));
        cmd.add(url);
        return new Stream(cmd, temp(".stderr"));
    }

    /** A line of a streamed body and the {@link System#nanoTime()} at which the test read it. */
    record Line(long nanos, String text) {}

    /** A running {@code curl -N}; a reader thread stamps each line as it arrives. */
    static final class Stream implements AutoCloseable {
        private final Process process;
        private final Path stderr;
        private final List<Line> lines = new CopyOnWriteArrayList<>();
        private volatile long exitedAtNanos = -1;

        Stream(List<String> cmd, Path stderr) {
            this.stderr = stderr;
            try {
                process = Proc.builder(cmd, Map.of())
                        .redirectInput(new File("/dev/null"))
                        .redirectError(stderr.toFile())
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException("could not run " + cmd, e);
            }
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        lines.add(new Line(System.nanoTime(), l));
                    }
                } catch (IOException ignored) {
                    // the process was killed; what was read stays
                }
                exitedAtNanos = System.nanoTime();
            }, "curl-stream-reader");
            reader.setDaemon(true);
            reader.start();
        }

        /** The non-empty lines read so far. */
        List<Line> lines() {
            return lines.stream().filter(l -> !l.text().isEmpty()).toList();
        }

        /** Waits until at least {@code n} non-empty lines have arrived; fails with what arrived. */
        List<Line> awaitLines(int n, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (lines().size() >= n) {
                    return lines();
                }
                if (exitedAtNanos >= 0 && lines().size() < n) {
                    break;
                }
                NodeSshd.sleep(20);
            }
            throw new AssertionError("expected " + n + " lines within " + timeout + "\n" + describe());
        }

        /** Waits for curl to end (the stream ended or was cut); returns its exit status. */
        int awaitExit(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("curl still running after " + timeout + "\n" + describe());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (exitedAtNanos < 0 && System.nanoTime() < deadline) {
                NodeSshd.sleep(10);
            }
            return process.exitValue();
        }

        /** When the body stream ended (EOF on curl's stdout), or -1 while it is open. */
        long endedAtNanos() {
            return exitedAtNanos;
        }

        boolean isAlive() {
            return process.isAlive();
        }

        String describe() {
            return "lines: " + lines.stream().map(Line::text).toList() + "\nalive: " + process.isAlive()
                    + "\nstderr: " + Proc.tail(stderr);
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            deleteQuietly(stderr);
        }
    }

    private static List<Map.Entry<String, String>> parseHeaders(String dump) {
        // -D holds every response of the exchange (a 100 Continue first, say): keep the last block
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String line : dump.split("\r?\n")) {
            if (line.startsWith("HTTP/")) {
                out.clear();
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.add(Map.entry(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim()));
            }
        }
        return out;
    }

    private Path temp(String suffix) {
        try {
            return Files.createTempFile(dir, "curl-", suffix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a temp file in the test's dir, deleted with it
        }
    }
}
