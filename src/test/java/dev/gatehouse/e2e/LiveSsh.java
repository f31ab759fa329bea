package dev.gatehouse.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A long-running {@code ssh ... COMMAND} in the background (no pty), for tests that end sessions
 * from the outside: it prints a marker once the remote command runs, then waits. Output goes to
 * files; {@link #awaitExit} tells when the client process ended, to the millisecond.
 */
final class LiveSsh implements AutoCloseable {
    private final Process process;
    private final Path out;
    private final Path err;
    private volatile long exitedAtNanos = -1;
    /** Completes once the exit time is noted: onExit() itself completes before its dependent stages run. */
    private final java.util.concurrent.CompletableFuture<Void> exitNoted;

    private LiveSsh(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
        // notes the moment the client exits, independent of when the test gets round to asking
        exitNoted = process.onExit().thenRun(() -> exitedAtNanos = System.nanoTime());
    }

    /**
     * Starts {@code ssh -l SSHUSER 127.0.0.1 'echo MARKER; exec sleep 300'} as {@code user} and waits
     * until the marker arrives, i.e. the session is open on the node.
     */
    static LiveSsh open(Gateway gw, Gateway.User user, String sshUser) {
        String marker = "live-" + Keys.token();
        List<String> cmd = gw.sshPrefix(user);
        cmd.addAll(List.of("-l", sshUser, "127.0.0.1", "echo " + marker + "; exec sleep 300"));
        LiveSsh live;
        try {
            Path out = Files.createTempFile("gatehouse-live-", ".out");
            Path err = Files.createTempFile("gatehouse-live-", ".err");
            Process p = Proc.builder(cmd, Map.of())
                    .redirectInput(new File("/dev/null"))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            live = new LiveSsh(p, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (live.stdout().contains(marker)) {
                return live;
            }
            if (!live.process.isAlive()) {
                live.close();
                throw new AssertionError("ssh exited " + live.process.exitValue() + " before the session opened\n"
                        + live.describe());
            }
            NodeSshd.sleep(25);
        }
        live.close();
        throw new AssertionError("session did not open within 20 s\n" + live.describe());
    }

    /** Waits up to {@code timeout} for the client to exit; returns its exit status. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("ssh still running after " + timeout + "\n" + describe());
            }
            exitNoted.get(5, TimeUnit.SECONDS); // let the exit timestamp land
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    /** System.nanoTime() when the client process exited; only after {@link #awaitExit}. */
    long exitedAtNanos() {
        if (exitedAtNanos < 0) {
            throw new IllegalStateException("not exited yet");
        }
        return exitedAtNanos;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until stderr contains {@code needle}. */
    void awaitStderr(String needle, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (stderr().contains(needle)) {
                return;
            }
            NodeSshd.sleep(50);
        }
        throw new AssertionError("'" + needle + "' not on stderr within " + timeout + "\n" + describe());
    }

    String stdout() {
        return Proc.tail(out);
    }

    String stderr() {
        return Proc.tail(err);
    }

    String describe() {
        return "--- client stdout ---\n" + stdout() + "\n--- client stderr ---\n" + stderr()
                + (process.isAlive() ? "\n(still running)" : "\nexit " + process.exitValue());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        } catch (IOException ignored) {
            // temp files
        }
    }
}
