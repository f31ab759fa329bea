package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Threat: one client that stops reading (a suspended laptop, or an attacker on purpose) makes the
 * gateway buffer a fast stream without bound until it runs out of memory and drops every session.
 */
class SlowReaderIT extends GatewayTest {
    private static final long MIB = 1024 * 1024;

    @Override
    Gateway.Options options() {
        return new Gateway.Options().jvm("-Xmx256m");
    }

    @Test
    void stoppedReaderDoesNotGrowGatewayMemory() throws Exception {
        List<String> cmd = gw.sshPrefix(gw.alice());
        cmd.addAll(List.of("-l", Gateway.TARGET, "127.0.0.1", "cat /dev/zero"));
        // the ssh client is the reader: stopping it stops it draining the gateway's socket
        Process ssh = Proc.builder(cmd, Map.of()).redirectInput(new File("/dev/null"))
                .redirectError(File.createTempFile("gatehouse-slow-", ".err")).start();
        AtomicLong received = new AtomicLong();
        Thread sink = new Thread(() -> {
            byte[] buf = new byte[1 << 16];
            try (InputStream in = ssh.getInputStream()) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    received.addAndGet(n);
                }
            } catch (IOException ignored) {
                // the client was killed at the end of the test
            }
        }, "slow-reader-sink");
        sink.setDaemon(true);
        sink.start();
        try {
            awaitBytes(received, 64 * MIB, ssh);
            NodeSshd.sleep(2000); // steady state
            long rssBefore = gw.rssKiB();
            Proc.signal(ssh.pid(), "STOP");
            NodeSshd.sleep(10_000);
            long rssStopped = gw.rssKiB();
            long receivedWhileStopped = received.get();
            assertThat(gw.isAlive()).as(gw.log()).isTrue();
            assertThat((rssStopped - rssBefore) / 1024).as("RSS growth in MiB while the reader was stopped"
                    + " (before " + rssBefore / 1024 + " MiB, after " + rssStopped / 1024 + " MiB)").isLessThan(100);

            Proc.signal(ssh.pid(), "CONT");
            awaitBytes(received, receivedWhileStopped + 32 * MIB, ssh);
            assertThat(gw.isAlive()).isTrue();
        } finally {
            if (ssh.isAlive()) {
                Proc.run("kill", "-CONT", Long.toString(ssh.pid()));
            }
            ssh.destroyForcibly();
            ssh.waitFor(10, TimeUnit.SECONDS);
        }
        // the gateway still serves new sessions
        gw.ssh(gw.alice(), Gateway.TARGET, "true").requireSuccess();
    }

    private static void awaitBytes(AtomicLong received, long atLeast, Process ssh) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (received.get() < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + received.get() + " bytes of " + atLeast + " arrived in 60 s");
            }
            if (!ssh.isAlive()) {
                throw new AssertionError("the ssh client exited " + ssh.exitValue() + " after " + received.get() + " bytes");
            }
            NodeSshd.sleep(100);
        }
    }
}
