package dev.gatehouse.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs real programs with a deadline; output goes to files so nothing can block on a full pipe. */
final class Proc {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Proc() {}

    /** What a finished program printed and how it exited. */
    record Result(List<String> command, int exit, byte[] stdoutBytes, String stderr) {
        String stdout() {
            return new String(stdoutBytes, UTF_8);
        }

        /** Everything a failing assertion should show. */
        String describe() {
            String out = stdout();
            if (out.length() > 4000) {
                out = out.substring(0, 4000) + "... (" + stdoutBytes.length + " bytes)";
            }
            return "command " + String.join(" ", command) + "\nexit " + exit
                    + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + stderr;
        }

        Result requireSuccess() {
            if (exit != 0) {
                throw new AssertionError("expected exit 0\n" + describe());
            }
            return this;
        }
    }

    static Result run(String... command) {
        return run(List.of(command), null, Map.of(), DEFAULT_TIMEOUT);
    }

    static Result run(List<String> command) {
        return run(command, null, Map.of(), DEFAULT_TIMEOUT);
    }

    /**
     * Runs {@code command} to completion; {@code stdin} (may be null for /dev/null) is written and
     * closed; {@code env} entries are added (a null value removes the variable). A run past the
     * deadline is killed and fails the test.
     */
    static Result run(List<String> command, byte[] stdin, Map<String, String> env, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("gatehouse-e2e-", ".out");
            err = Files.createTempFile("gatehouse-e2e-", ".err");
            ProcessBuilder pb = builder(command, env)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (stdin == null) {
                pb.redirectInput(new File("/dev/null"));
            }
            Process p = pb.start();
            if (stdin != null) {
                Thread writer = new Thread(() -> {
                    try (OutputStream os = p.getOutputStream()) {
                        os.write(stdin);
                    } catch (IOException ignored) {
                        // the program exited before reading everything; its exit status tells why
                    }
                }, "stdin-writer");
                writer.setDaemon(true);
                writer.start();
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command)
                        + "\n--- stdout ---\n" + tail(out) + "\n--- stderr ---\n" + tail(err));
            }
            return new Result(List.copyOf(command), p.exitValue(), Files.readAllBytes(out),
                    new String(Files.readAllBytes(err), UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** A process builder with the test environment: no agent, no user ssh config leaking in. */
    static ProcessBuilder builder(List<String> command, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> e = pb.environment();
        e.remove("SSH_AUTH_SOCK");
        e.remove("SSH_AGENT_PID");
        e.remove("DISPLAY");
        e.remove("LANG");
        e.remove("FOO");
        env.forEach((k, v) -> {
            if (v == null) {
                e.remove(k);
            } else {
                e.put(k, v);
            }
        });
        return pb;
    }

    /** Sends a signal with kill(1); Java's Process API only knows TERM and KILL. */
    static void signal(long pid, String signal) {
        run("kill", "-" + signal, Long.toString(pid)).requireSuccess();
    }

    static String tail(Path file) {
        try {
            if (file == null || !Files.exists(file)) {
                return "";
            }
            String s = new String(Files.readAllBytes(file), UTF_8);
            return s.length() > 8000 ? "..." + s.substring(s.length() - 8000) : s;
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // temp file; the OS cleans it eventually
            }
        }
    }
}
