package dev.gatehouse.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An interactive session driven by the real {@code ssh -tt} (a remote pty although our stdin is a
 * pipe), with scripted keystrokes; what the client printed accumulates in a file.
 */
final class PtySession implements AutoCloseable {
    private final Process process;
    private final OutputStream keyboard;
    private final Path out;
    private final Path err;

    private PtySession(Process process, Path out, Path err) {
        this.process = process;
        this.keyboard = process.getOutputStream();
        this.out = out;
        this.err = err;
    }

    static PtySession open(Gateway gw, Gateway.User user, String sshUser) {
        try {
            Path out = Files.createTempFile("gatehouse-pty-", ".out");
            Path err = Files.createTempFile("gatehouse-pty-", ".err");
            List<String> cmd = gw.sshPrefix(user);
            cmd.addAll(List.of("-tt", "-o", "SendEnv=TERM", "-l", sshUser, "127.0.0.1"));
            Process p = Proc.builder(cmd, Map.of("TERM", "xterm"))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            return new PtySession(p, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the remote side has printed something (the shell prompt). */
    PtySession awaitAnyOutput() {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && output().isEmpty()) {
            if (!process.isAlive()) {
                throw new AssertionError("ssh -tt exited " + process.exitValue() + " before any output\n" + describe());
            }
            NodeSshd.sleep(50);
        }
        if (output().isEmpty()) {
            throw new AssertionError("no prompt within 20 s\n" + describe());
        }
        return this;
    }

    PtySession type(String keys) {
        try {
            keyboard.write(keys.getBytes(UTF_8));
            keyboard.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("ssh no longer reads its stdin\n" + describe(), e);
        }
        return this;
    }

    PtySession awaitOutput(String needle) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (output().contains(needle)) {
                return this;
            }
            NodeSshd.sleep(50);
        }
        throw new AssertionError("'" + needle + "' not printed within 20 s\n" + describe());
    }

    int awaitExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("ssh -tt still running after 30 s\n" + describe());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    String output() {
        return Proc.tail(out);
    }

    String describe() {
        return "--- client stdout ---\n" + Proc.tail(out) + "\n--- client stderr ---\n" + Proc.tail(err);
    }

    Process process() {
        return process;
    }

    @Override
    public void close() {
        try {
            keyboard.close();
        } catch (IOException ignored) {
            // the client is gone already
        }
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        } catch (IOException ignored) {
            // temp files
        }
    }
}
