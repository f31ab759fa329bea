package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM with many live sessions: every client is told why its session ended before its channel
 * closes, as the contract promises, instead of a silent drop that reads like a network fault.
 * Idle sessions, pty shells and busy ones whose client window is full when the stop comes (their
 * reason line must wait for the client to read on), 20 in all.
 */
class GracefulStopIT extends GatewayTest {
    private static final String REASON = "gatehouse: the gateway is shutting down";
    private static final int IDLE = 10;
    private static final int SHELLS = 5;
    private static final int BUSY = 5;

    @Test
    void everyLiveSessionGetsTheShutdownReasonBeforeItsChannelCloses() throws Exception {
        List<LiveSsh> idle = new ArrayList<>();
        List<PtySession> shells = new ArrayList<>();
        List<Busy> busy = new ArrayList<>();
        try {
            for (int i = 0; i < BUSY; i++) {
                busy.add(Busy.open(gw));
            }
            for (Busy b : busy) {
                b.awaitReady();
                Proc.signal(b.process.pid(), "STOP"); // stops reading: the channel's window fills and stays full
            }
            for (int i = 0; i < IDLE; i++) {
                idle.add(LiveSsh.open(gw, gw.alice(), Gateway.TARGET));
            }
            for (int i = 0; i < SHELLS; i++) {
                shells.add(PtySession.open(gw, gw.alice(), Gateway.TARGET).awaitAnyOutput()); // the prompt: the shell runs
            }

            Proc.signal(gw.pid(), "TERM");
            for (Busy b : busy) {
                Proc.signal(b.process.pid(), "CONT"); // reads on: what the gateway had sent, then the reason
            }
            assertThat(gw.stop()).as(gw.log()).isZero();

            List<String> silent = new ArrayList<>();
            for (int i = 0; i < idle.size(); i++) {
                LiveSsh s = idle.get(i);
                s.awaitExit(Duration.ofSeconds(30));
                if (!s.stderr().contains(REASON)) {
                    silent.add("idle exec " + i + ":\n" + s.describe());
                }
            }
            for (int i = 0; i < shells.size(); i++) {
                PtySession s = shells.get(i);
                s.awaitExit();
                if (!s.describe().contains(REASON)) {
                    silent.add("pty shell " + i + ":\n" + s.describe());
                }
            }
            for (int i = 0; i < busy.size(); i++) {
                Busy b = busy.get(i);
                if (!b.process.waitFor(30, TimeUnit.SECONDS)) {
                    silent.add("busy exec " + i + " still running 30 s after the stop:\n" + b.stderr());
                } else if (!b.stderr().contains(REASON)) {
                    silent.add("busy exec " + i + ":\n" + b.stderr());
                }
            }
            assertThat(silent).as("clients of %d live sessions that got no shutdown reason; gateway log:\n%s",
                    IDLE + SHELLS + BUSY, gw.log()).isEmpty();
        } finally {
            idle.forEach(LiveSsh::close);
            shells.forEach(PtySession::close);
            busy.forEach(Busy::close);
        }
    }

    /** {@code ssh ... 'echo ready >&2; exec yes'}, its output thrown away as fast as the client reads it. */
    private record Busy(Process process, Path err) {
        static Busy open(Gateway gw) {
            List<String> cmd = gw.sshPrefix(gw.alice());
            cmd.addAll(List.of("-l", Gateway.TARGET, "127.0.0.1", "echo ready >&2; exec yes"));
            try {
                Path err = Files.createTempFile("gatehouse-busy-", ".err");
                Process p = Proc.builder(cmd, Map.of()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
                return new Busy(p, err);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void awaitReady() {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!stderr().contains("ready")) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new AssertionError("busy session did not start\n" + stderr());
                }
                NodeSshd.sleep(25);
            }
        }

        String stderr() {
            return Proc.tail(err);
        }

        void close() {
            if (process.isAlive()) {
                Proc.run("kill", "-CONT", Long.toString(process.pid()));
                process.destroyForcibly();
            }
            try {
                Files.deleteIfExists(err);
            } catch (IOException ignored) {
                // temp file
            }
        }
    }
}
