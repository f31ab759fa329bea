package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * stdout, stderr and stdin of one channel flow together under its one window (RFC 4254 section
 * 5.2) for any mix and any reader: every case runs once straight to the node and once through the
 * gateway with the real {@code ssh}, and both must end with the same exit status, byte counts and
 * SHA-256 of each stream. A case that stalls (the stderr flood that froze sessions) is killed at
 * {@link #DEADLINE} and fails instead of hanging the suite.
 */
class StreamsIT extends GatewayTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int MIB = 1 << 20;
    /** Interleaved at line level: each line goes out as its own write (gawk does not buffer /dev/stderr). */
    private static final String INTERLEAVED_LINES = "awk 'BEGIN{for(i=1;i<=100000;i++){"
            + "printf \"out %08d %0100d\\n\", i, i; printf \"err %08d %0100d\\n\", i, i > \"/dev/stderr\"}}'";
    /** Interleaved in blocks of ~0.5 MB. */
    private static final String INTERLEAVED_BLOCKS =
            "for i in $(seq 0 19); do seq $((i*70000+1)) $((i*70000+70000)); seq $((i*70000+1)) $((i*70000+70000)) >&2; done";

    private Path data;

    /** Who reads the client's output, and how. */
    enum Reader {
        /** ssh writes stdout and stderr straight to files: as fast as the client goes. */
        FILES,
        /** {@code ssh ... 2>&1 | wc -c}: both streams into one fast pipe. */
        MERGED_WC,
        /** {@code ssh ... | wc -c}, stderr to a file. */
        STDOUT_WC,
        /** Pipes read a little at a time with pauses: the client's window fills and empties again and again. */
        SLOW
    }

    /** What must equal the direct login's outcome. */
    enum Compare {
        /** Exit status, byte counts and SHA-256 of stdout and stderr. */
        EXACT,
        /** Exit status and byte counts: the order of bytes depends on timing (stdout and stderr merged by a pty or {@code 2>&1}). */
        COUNTS,
        /**
         * Exit status, and more output than input: a terminal echoes input as it arrives and the
         * node drains it at exit as timing allows, so counts differ from run to run even on direct logins.
         */
        COMPLETES
    }

    /** @param stdin file name under the data folder fed to the client's stdin, or null for /dev/null */
    record Case(String name, String command, String stdin, boolean pty, Reader reader, Compare compare) {
        @Override
        public String toString() {
            return name + (pty ? " (pty)" : "") + " / " + reader;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                // no pty
                new Case("stdout only", "seq 1 3000000", null, false, Reader.FILES, Compare.EXACT),
                new Case("stdout only", "seq 1 3000000", null, false, Reader.STDOUT_WC, Compare.EXACT),
                new Case("stderr only", "seq 1 3000000 >&2", null, false, Reader.FILES, Compare.EXACT),
                new Case("stderr only", "head -c 8000000 /dev/zero >&2", null, false, Reader.MERGED_WC, Compare.COUNTS),
                new Case("stderr only", "seq 1 3000000 >&2", null, false, Reader.SLOW, Compare.EXACT),
                new Case("interleaved lines", INTERLEAVED_LINES, null, false, Reader.FILES, Compare.EXACT),
                new Case("interleaved lines", INTERLEAVED_LINES, null, false, Reader.MERGED_WC, Compare.COUNTS),
                new Case("interleaved lines", INTERLEAVED_LINES, null, false, Reader.SLOW, Compare.EXACT),
                new Case("interleaved blocks", INTERLEAVED_BLOCKS, null, false, Reader.FILES, Compare.EXACT),
                new Case("interleaved blocks", INTERLEAVED_BLOCKS, null, false, Reader.SLOW, Compare.EXACT),
                new Case("stdin to stderr", "cat >&2", "random-32m", false, Reader.FILES, Compare.EXACT),
                new Case("stdin to stderr", "cat >&2", "random-32m", false, Reader.MERGED_WC, Compare.COUNTS),
                new Case("stdin to stderr", "cat >&2", "random-32m", false, Reader.SLOW, Compare.EXACT),
                new Case("stdin to stdout", "cat", "random-32m", false, Reader.STDOUT_WC, Compare.EXACT),
                new Case("stdin to stdout and stderr", "tee /dev/stderr", "random-16m", false, Reader.FILES, Compare.EXACT),
                new Case("stdin to stdout and stderr", "tee /dev/stderr", "random-16m", false, Reader.SLOW, Compare.EXACT),
                // with a pty (ssh -tt) the node puts stderr on the terminal too: one stream, with CR LF
                new Case("stdout only", "seq 1 3000000", null, true, Reader.FILES, Compare.EXACT),
                new Case("stderr only", "seq 1 3000000 >&2", null, true, Reader.FILES, Compare.EXACT),
                new Case("stderr only", "seq 1 3000000 >&2", null, true, Reader.SLOW, Compare.EXACT),
                new Case("interleaved lines", INTERLEAVED_LINES, null, true, Reader.FILES, Compare.COUNTS),
                new Case("interleaved blocks", INTERLEAVED_BLOCKS, null, true, Reader.MERGED_WC, Compare.COUNTS),
                // the terminal echoes what it reads while cat prints it: counts only; ^D at the end ends cat
                new Case("stdin to stderr", "cat >&2", "lines-2m", true, Reader.FILES, Compare.COMPLETES));
    }

    @BeforeAll
    void writeInputs() throws IOException {
        data = Files.createTempDirectory("gatehouse-streams-");
        Random random = new Random(10);
        byte[] bytes = new byte[32 * MIB];
        random.nextBytes(bytes);
        Files.write(data.resolve("random-32m"), bytes);
        Files.write(data.resolve("random-16m"), java.util.Arrays.copyOf(bytes, 16 * MIB));
        StringBuilder lines = new StringBuilder();
        for (int i = 0; lines.length() < 2 * MIB; i++) {
            lines.append("line ").append(i).append(' ').append("x".repeat(i % 100)).append('\n');
        }
        lines.append('\u0004'); // VEOF at the start of a line: cat reads end of file
        Files.writeString(data.resolve("lines-2m"), lines, StandardCharsets.US_ASCII);
    }

    @AfterAll
    void deleteInputs() {
        Keys.deleteTree(data);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyStreamArrivesAsOnADirectLogin(Case c) throws Exception {
        List<String> options = new ArrayList<>(List.of("-q"));
        if (c.pty()) {
            options.add("-tt");
        }
        List<String> direct = node.directSsh(Accounts.AIOPS, Accounts.AIOPS);
        direct.addAll(direct.size() - 3, options); // before "-l LOGIN HOST"
        direct.add(c.command());
        List<String> via = gw.sshPrefix(gw.alice());
        via.addAll(options);
        via.addAll(List.of("-l", Gateway.TARGET, "127.0.0.1", c.command()));

        Outcome expected = run(direct, c);
        assertThat(expected.stdout().bytes() + expected.stderr().bytes()).as("the direct login printed something: " + expected)
                .isGreaterThan(1_000_000);
        Outcome actual = run(via, c);
        switch (c.compare()) {
            case EXACT -> assertThat(actual).as("through the gateway, against the direct login").isEqualTo(expected);
            case COUNTS -> assertThat(actual.withoutDigests()).as("through the gateway, against the direct login (counts)")
                    .isEqualTo(expected.withoutDigests());
            case COMPLETES -> {
                assertThat(actual.exit()).as("exit status through the gateway: " + actual).isEqualTo(expected.exit());
                assertThat(actual.stdout().bytes()).as("terminal output through the gateway")
                        .isGreaterThan(Files.size(data.resolve(c.stdin())));
            }
        }
    }

    /** Exit status and what each of the client's streams received. */
    record Outcome(int exit, Received stdout, Received stderr) {
        Outcome withoutDigests() {
            return new Outcome(exit, new Received(stdout.bytes, ""), new Received(stderr.bytes, ""));
        }
    }

    /** A byte count and SHA-256. */
    record Received(long bytes, String sha256) {
        static Received of(Path file) throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                return of(in, false);
            }
        }

        /** Reads {@code in} to its end; {@code slowly}: a pause after every 512 KiB. */
        static Received of(InputStream in, boolean slowly) throws IOException {
            MessageDigest sha = newDigest();
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            long sincePause = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
                total += n;
                sincePause += n;
                if (slowly && sincePause >= 512 * 1024) {
                    sincePause = 0;
                    NodeSshd.sleep(40); // the reader's own pace, the point of this reader: not a wait for a condition
                }
            }
            return new Received(total, HexFormat.of().formatHex(sha.digest()));
        }
    }

    private Outcome run(List<String> ssh, Case c) throws Exception {
        Path out = Files.createTempFile(data, "out-", "");
        Path err = Files.createTempFile(data, "err-", "");
        File stdin = c.stdin() == null ? new File("/dev/null") : data.resolve(c.stdin()).toFile();
        List<String> command = switch (c.reader()) {
            case FILES, SLOW -> ssh;
            case MERGED_WC -> List.of("sh", "-c", shellWords(ssh) + " 2>&1 | wc -c");
            case STDOUT_WC -> List.of("sh", "-c", shellWords(ssh) + " | wc -c");
        };
        ProcessBuilder pb = Proc.builder(command, Map.of()).redirectInput(stdin);
        if (c.reader() != Reader.SLOW) {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        }
        Process p = pb.start();
        try {
            java.util.concurrent.CompletableFuture<Received> slowOut = null;
            java.util.concurrent.CompletableFuture<Received> slowErr = null;
            if (c.reader() == Reader.SLOW) {
                // a thread per stream: each blocks until its stream ends
                slowOut = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getInputStream()), StreamsIT::thread);
                slowErr = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()), StreamsIT::thread);
            }
            if (!p.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("stalled: not done after " + DEADLINE + ": " + c + "\n" + String.join(" ", command)
                        + "\n--- stderr so far ---\n" + Proc.tail(err) + "\n--- gateway log ---\n" + gw.log());
            }
            return switch (c.reader()) {
                case FILES -> new Outcome(p.exitValue(), Received.of(out), Received.of(err));
                case SLOW -> new Outcome(p.exitValue(), slowOut.get(DEADLINE.toSeconds(), TimeUnit.SECONDS),
                        slowErr.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
                case MERGED_WC, STDOUT_WC -> new Outcome(p.exitValue(),
                        new Received(Long.parseLong(Files.readString(out).trim()), "wc -c"), Received.of(err));
            };
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static void thread(Runnable task) {
        Thread t = new Thread(task, "streams-slow-reader");
        t.setDaemon(true);
        t.start();
    }

    private static Received read(InputStream in) {
        try (in) {
            return Received.of(in, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String shellWords(List<String> words) {
        return words.stream().map(w -> "'" + w.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
