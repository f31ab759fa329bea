package dev.gatehouse.bench;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * Load generator: one MINA {@link SshClient} opening idle interactive sessions (pty + shell)
 * through the gateway, in stages. For each stage it opens sessions up to the stage's total with
 * {@code parallel} connections in flight, writes {@code DIR/stage-N.json}
 * ({@code {"sessions":..,"failed":..,"millis":..}}) and waits for {@code DIR/continue-N} before
 * the next stage (the caller measures memory meanwhile). After the last stage it waits for
 * {@code DIR/continue-N} once more, closes everything and exits. Every wait is bounded.
 *
 * <p>Usage: {@code IdleSessions HOST PORT SSHUSER KEYFILE HOSTKEYLINE DIR PARALLEL N1[,N2...]}
 */
public final class IdleSessions {
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration HOLD_TIMEOUT = Duration.ofMinutes(15);

    private IdleSessions() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: IdleSessions HOST PORT SSHUSER KEYFILE HOSTKEYLINE DIR PARALLEL N1[,N2...]");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String user = args[2];
        Path key = Path.of(args[3]);
        PublicKey hostKey = PublicKeyEntry.parsePublicKeyEntry(args[4].trim())
                .resolvePublicKey(null, Collections.emptyMap(), PublicKeyEntryResolver.FAILING);
        Path dir = Path.of(args[5]);
        int parallel = Integer.parseInt(args[6]);
        List<Integer> stages = new ArrayList<>();
        for (String s : args[7].split(",")) {
            stages.add(Integer.parseInt(s.trim()));
        }

        SshClient client = SshClient.setUpDefaultClient();
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setServerKeyVerifier((session, address, key0) -> KeyUtils.compareKeys(hostKey, key0));
        client.setKeyIdentityProvider(new FileKeyPairProvider(key));
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        client.start();

        List<ClientSession> sessions = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        AtomicInteger failed = new AtomicInteger();
        StringBuilder firstError = new StringBuilder();
        try {
            int open = 0;
            for (int stage : stages) {
                long t0 = System.nanoTime();
                List<Future<?>> work = new ArrayList<>();
                for (int i = open; i < stage; i++) {
                    work.add(pool.submit(() -> {
                        try {
                            sessions.add(openIdleShell(client, host, port, user));
                        } catch (Exception e) {
                            if (failed.getAndIncrement() == 0) {
                                synchronized (firstError) {
                                    firstError.append(e);
                                }
                            }
                        }
                    }));
                }
                for (Future<?> f : work) {
                    f.get(10, TimeUnit.MINUTES);
                }
                long millis = (System.nanoTime() - t0) / 1_000_000;
                open = stage;
                String json;
                synchronized (firstError) {
                    json = String.format("{\"target\":%d,\"sessions\":%d,\"failed\":%d,\"millis\":%d,\"firstError\":\"%s\"}%n",
                            stage, sessions.size(), failed.get(), millis,
                            firstError.toString().replace("\\", "\\\\").replace("\"", "'"));
                }
                Files.writeString(dir.resolve("stage-" + stage + ".json.tmp"), json, StandardCharsets.UTF_8);
                Files.move(dir.resolve("stage-" + stage + ".json.tmp"), dir.resolve("stage-" + stage + ".json"));
                awaitFile(dir.resolve("continue-" + stage));
            }
        } finally {
            pool.shutdownNow();
            for (ClientSession s : sessions) {
                s.close(true);
            }
            client.stop();
        }
    }

    private static ClientSession openIdleShell(SshClient client, String host, int port, String user) throws Exception {
        ClientSession s = client.connect(user, host, port).verify(STEP_TIMEOUT).getSession();
        try {
            s.auth().verify(STEP_TIMEOUT);
            ChannelShell shell = s.createShellChannel();
            shell.setPtyType("xterm");
            shell.setOut(OutputStream.nullOutputStream());
            shell.setErr(OutputStream.nullOutputStream());
            shell.open().verify(STEP_TIMEOUT);
            return s;
        } catch (Exception e) {
            s.close(true);
            throw e;
        }
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + HOLD_TIMEOUT.toNanos();
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }
}
