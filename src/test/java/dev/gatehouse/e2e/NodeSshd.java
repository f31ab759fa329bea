package dev.gatehouse.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSSH sshd playing a compute node, on a free port of 127.0.0.1, with its own host key,
 * config, pid file and log in a temp dir (the system's /etc/ssh and sshd service are never
 * touched). It trusts user certificates from the CAs written with {@link #trustUserCa}, plus a
 * CA only the tests hold, so a test can also log in directly (bypassing the gateway) as a control.
 */
final class NodeSshd implements AutoCloseable {
    private static final String SSHD = "/usr/sbin/sshd";

    private final Path dir;
    private final Path hostKey;
    private final Path trustedCas;
    private final Path log;
    private final Path testCa;
    private final Path directKey;
    private final int port;
    private final List<String> extraConfig;
    private Process process;

    private NodeSshd(Path dir, List<String> extraConfig) throws IOException {
        this.extraConfig = extraConfig;
        this.dir = dir;
        this.hostKey = dir.resolve("ssh_host_ed25519_key");
        this.trustedCas = dir.resolve("trusted_user_ca_keys");
        this.log = dir.resolve("sshd.log");
        this.testCa = dir.resolve("test_ca");
        this.directKey = dir.resolve("direct_user_key");
        this.port = freePort();
    }

    /** Starts a node; the accounts {@link Accounts#AIOPS} and {@link Accounts#MLOPS} are created if missing. */
    static NodeSshd start() {
        return start(List.of());
    }

    /** Starts a node with more sshd_config lines (such as {@code MaxStartups 1:100:1}) after the fixture's own. */
    static NodeSshd start(List<String> extraConfig) {
        if (!Files.isExecutable(Path.of(SSHD))) {
            throw new IllegalStateException(SSHD + " is missing: install openssh-server (bin/test does)");
        }
        Accounts.ensure(Accounts.AIOPS);
        Accounts.ensure(Accounts.MLOPS);
        try {
            NodeSshd node = new NodeSshd(Files.createTempDirectory("gatehouse-node-"), extraConfig);
            node.launch();
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch() throws IOException {
        Keys.generate(hostKey, "gatehouse-e2e-node");
        String testCaLine = Keys.generate(testCa, "gatehouse-e2e-test-ca");
        Keys.generate(directKey, "gatehouse-e2e-direct");
        Keys.write(trustedCas, testCaLine + " gatehouse-e2e-test-ca\n");
        Path config = dir.resolve("sshd_config");
        List<String> lines = new ArrayList<>(List.of(
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + hostKey,
                "PidFile " + dir.resolve("sshd.pid"),
                "TrustedUserCAKeys " + trustedCas,
                "PermitRootLogin no",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "AuthorizedKeysFile none",
                "LogLevel VERBOSE",
                "Subsystem sftp internal-sftp",
                "UsePAM no",
                "StrictModes no",
                // FOO is accepted here on purpose: the env test must show that the gateway, not
                // the node, drops variables outside its allow-list.
                "AcceptEnv LANG LC_* TERM FOO",
                // as config/node/sshd_config: local forwards to the loopback only, for certificates
                // with permit-port-forwarding (the gateway's forward connections)
                "AllowTcpForwarding local",
                "PermitOpen 127.0.0.1:* [::1]:*",
                "PermitListen none"));
        lines.addAll(extraConfig);
        lines.add("");
        Keys.write(config, String.join("\n", lines));
        Files.createDirectories(Path.of("/run/sshd"));
        Proc.run(SSHD, "-t", "-f", config.toString()).requireSuccess();
        // -E without -e: with -e the per-connection children log to stderr instead of the file.
        process = new ProcessBuilder(SSHD, "-D", "-f", config.toString(), "-E", log.toString())
                .redirectInput(new File("/dev/null"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("sshd.stdout").toFile())
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node sshd exited with " + process.exitValue() + "\n" + log()
                        + Proc.tail(dir.resolve("sshd.stdout")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        throw new IllegalStateException("node sshd did not accept on port " + port + "\n" + log());
    }

    int port() {
        return port;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    /** The node's host public key, "ssh-ed25519 AAAA...", as the gateway policy pins it. */
    String hostPublicKey() {
        return Keys.publicLine(dir.resolve("ssh_host_ed25519_key.pub"));
    }

    /** Adds a CA line (e.g. the gateway's `ca show ssh-user`); sshd rereads the file per login. */
    void trustUserCa(String caLine) {
        try {
            Files.writeString(trustedCas, caLine.trim() + "\n", UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String log() {
        return Files.exists(log) ? Keys.read(log) : "";
    }

    List<String> logLines() {
        return List.of(log().split("\n"));
    }

    /** TCP connections the node has accepted so far ("Connection from ..." at LogLevel VERBOSE). */
    long connectionCount() {
        return logLines().stream().filter(l -> l.startsWith("Connection from ")).count();
    }

    /** Successful logins so far. */
    long loginCount() {
        return logLines().stream().filter(l -> l.startsWith("Accepted publickey for ")).count();
    }

    /**
     * Signs the direct-login key with the tests' own CA for {@code principals} and returns the
     * ssh command prefix that logs in straight to this node (no gateway).
     */
    List<String> directSsh(String login, String... principals) {
        Path cert = deleteDirectCertificate();
        Proc.run("ssh-keygen", "-q", "-s", testCa.toString(), "-I", "direct-control", "-n",
                String.join(",", principals), "-V", "-1m:+5m", "-z", "1",
                dir.resolve("direct_user_key.pub").toString()).requireSuccess();
        List<String> cmd = sshPrefix();
        cmd.addAll(List.of("-o", "CertificateFile=" + cert, "-l", login, "127.0.0.1"));
        return cmd;
    }

    /** Like {@link #directSsh} but offering only the bare key (no certificate anywhere). */
    List<String> directSshPlainKey(String login) {
        deleteDirectCertificate();
        List<String> cmd = sshPrefix();
        cmd.addAll(List.of("-l", login, "127.0.0.1"));
        return cmd;
    }

    /** The bare public key of the direct-login key pair. */
    String directPublicKey() {
        return Keys.publicLine(dir.resolve("direct_user_key.pub"));
    }

    private Path deleteDirectCertificate() {
        Path cert = dir.resolve("direct_user_key-cert.pub");
        try {
            Files.deleteIfExists(cert); // ssh would pick up KEY-cert.pub on its own
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cert;
    }

    private List<String> sshPrefix() {
        Path knownHosts = dir.resolve("known_hosts");
        Keys.write(knownHosts, "[127.0.0.1]:" + port + " " + hostPublicKey() + "\n");
        return new ArrayList<>(List.of("ssh", "-F", "/dev/null", "-p", Integer.toString(port),
                "-i", directKey.toString(), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=15"));
    }

    /** Runs {@code command} directly on the node as {@code login}, with optional client env. */
    Proc.Result direct(String login, Map<String, String> env, List<String> extraOptions, String command) {
        List<String> cmd = directSsh(login, login);
        cmd.addAll(cmd.size() - 3, extraOptions); // before "-l LOGIN HOST"
        cmd.add(command);
        return Proc.run(cmd, null, env, Proc.DEFAULT_TIMEOUT);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Keys.deleteTree(dir);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
