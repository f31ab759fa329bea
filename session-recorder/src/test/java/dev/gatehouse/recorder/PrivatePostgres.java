package dev.gatehouse.recorder;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server of a test's own (initdb into a temp dir as user postgres, trust
 * auth, 127.0.0.1 on a free port), which the test may stop and start: never the shared one on
 * 5432. Needs root (as CI runs) and the server binaries under /usr/lib/postgresql.
 */
final class PrivatePostgres implements AutoCloseable {
    private final Path dir;
    private final Path bin;
    private final int port;

    private PrivatePostgres(Path dir, Path bin, int port) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
    }

    static PrivatePostgres start() throws IOException, InterruptedException {
        Path bin;
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            bin = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(Path::toString)).orElseThrow(() -> new AssertionError(
                            "this test needs PostgreSQL server binaries under /usr/lib/postgresql (apt install postgresql)"));
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("gatehouse-pg");
        run("chown", "postgres:", dir.toString());
        PrivatePostgres pg = new PrivatePostgres(dir, bin, port);
        pg.asPostgres(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
                "--auth=trust", "-E", "UTF8");
        pg.startServer();
        return pg;
    }

    String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&connectTimeout=2";
    }

    void startServer() throws IOException, InterruptedException {
        asPostgres(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(),
                "-w", "-t", "60", "-o", "-c listen_addresses=127.0.0.1 -c port=" + port + " -c unix_socket_directories="
                        + dir + " -c fsync=off", "start");
    }

    void stopServer() throws IOException, InterruptedException {
        asPostgres(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            stopServer();
        } catch (AssertionError alreadyStopped) {
            // stopped by the test
        }
        run("rm", "-rf", dir.toString());
    }

    private void asPostgres(String... command) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        all.addAll(List.of(command));
        run(all.toArray(String[]::new));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (a private PostgreSQL needs root, as CI runs): "
                    + out.strip());
        }
    }
}
