package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Editors' forwarding: a real {@code ssh -L} and {@code ssh -D} (with curl through its SOCKS port)
 * through the gateway to services listening on the node's loopback (a python3 HTTP server and an
 * echo service; the node's sshd runs on this machine, so its loopback is this one). alice's role
 * allows those two ports; bob's role allows none; admin can lock.
 */
class LocalForwardIT extends GatewayTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final int httpPort = NodeSshd.freePort();
    /** Allowed by alice's role, but nothing listens on it on the node. */
    private final int closedPort = NodeSshd.freePort();
    private final String token = "hello-from-the-node-" + Keys.token();
    private Path webRoot;
    private Process http;
    private final List<Process> clients = new ArrayList<>();

    @Override
    Gateway.Options options() {
        return new Gateway.Options().users("bob", "admin").policy(gw -> GatewayFiles.policy(gw.node().address(),
                        gw.node().hostPublicKey(), gw.alice(), gw.carol(), gw.dave())
                .replace("    nodes: {tenant: team-a}\n  - name: auditor",
                        "    nodes: {tenant: team-a}\n    forward: {ports: [" + httpPort + ", " + closedPort + ", \"" + echoPortRange() + "\"]}\n"
                                + "  - name: viewer\n    logins: [" + Accounts.AIOPS + "]\n    nodes: {tenant: team-a}\n"
                                + "  - name: admin\n    permissions: [admin]\n  - name: auditor")
                .replace("nodes:\n", "  - name: bob\n    keys: [\"" + GatewayFiles.pub(gw.user("bob")) + "\"]\n    roles: [viewer]\n"
                        + "  - name: admin\n    keys: [\"" + GatewayFiles.pub(gw.user("admin")) + "\"]\n    roles: [admin]\n"
                        + "nodes:\n"));
    }

    /** An echo service that keeps each connection open until the other side closes it. */
    private final ServerSocket echo = startEcho();

    /** Written as a one-port range, the other form forward.ports takes. */
    private String echoPortRange() {
        return echo.getLocalPort() + "-" + echo.getLocalPort();
    }

    private static ServerSocket startEcho() {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread c = new Thread(() -> {
                            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                                in.transferTo(out);
                            } catch (IOException e) {
                                // connection over
                            }
                        });
                        c.setDaemon(true);
                        c.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "echo");
            t.setDaemon(true);
            t.start();
            return server;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @BeforeAll
    void startServices() throws Exception {
        webRoot = Files.createTempDirectory("gatehouse-web-");
        Files.writeString(webRoot.resolve("hello.txt"), token + "\n");
        http = new ProcessBuilder("python3", "-m", "http.server", Integer.toString(httpPort), "--bind", "127.0.0.1",
                "--directory", webRoot.toString())
                .redirectErrorStream(true).redirectOutput(webRoot.resolveSibling(webRoot.getFileName() + ".log").toFile()).start();
        await().atMost(WAIT).until(() -> listening(httpPort));
    }

    @AfterAll
    void stopServices() throws Exception {
        clients.forEach(Process::destroy);
        if (http != null) {
            http.destroy();
            http.waitFor(5, TimeUnit.SECONDS);
        }
        echo.close();
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Starts {@code ssh -N FORWARD} as {@code user} to aiops@gpu-node-1 and waits until its local port listens. */
    private Process forward(Gateway.User user, int localPort, String... forward) throws IOException {
        List<String> cmd = gw.sshPrefix(user);
        cmd.addAll(List.of("-N", "-o", "ExitOnForwardFailure=yes"));
        cmd.addAll(List.of(forward));
        cmd.addAll(List.of("-l", Gateway.TARGET, "127.0.0.1"));
        Path log = Files.createTempFile("gatehouse-fwd-", ".log");
        Process p = Proc.builder(cmd, Map.of()).redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        clients.add(p);
        await().atMost(WAIT).alias("ssh listens on " + localPort + "\n" + Proc.tail(log)).until(() -> {
            if (!p.isAlive()) {
                throw new AssertionError("ssh exited " + p.exitValue() + "\n" + Proc.tail(log));
            }
            return listening(localPort);
        });
        logs.put(p, log);
        return p;
    }

    private final Map<Process, Path> logs = new java.util.concurrent.ConcurrentHashMap<>();

    private String clientLog(Process p) {
        return Keys.read(logs.get(p));
    }

    private Proc.Result curl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "15"));
        cmd.addAll(List.of(args));
        return Proc.run(cmd, null, Map.of(), Duration.ofSeconds(30));
    }

    private Set<String> eventIds() {
        return new HashSet<>(gw.auditLog().stream().map(e -> Json.text(e, "id")).toList());
    }

    private JsonNode awaitNew(Set<String> before, String type, java.util.function.Predicate<JsonNode> also) {
        return gw.awaitEvent(type, e -> Json.type(type).test(e) && !before.contains(Json.text(e, "id")) && also.test(e));
    }

    @Test
    void sshLocalForwardReachesAServiceOnTheNodesLoopbackAndIsAudited() throws Exception {
        Set<String> before = eventIds();
        int local = NodeSshd.freePort();
        Process ssh = forward(gw.alice(), local, "-L", "127.0.0.1:" + local + ":localhost:" + httpPort);
        Proc.Result r = curl("http://127.0.0.1:" + local + "/hello.txt");
        assertThat(r.exit()).as(r.describe() + "\n" + clientLog(ssh)).isZero();
        assertThat(r.stdout().trim()).isEqualTo(token);

        // (waiting for ssh's port made a forward too, which carried nothing: look at the one that did)
        JsonNode close = awaitNew(before, "forward.close", e -> !"0".equals(Json.detail(e, "input_bytes")));
        JsonNode open = awaitNew(before, "forward.open", e -> Json.text(close, "session_id").equals(Json.text(e, "session_id")));
        assertThat(Json.text(open, "user")).isEqualTo("alice");
        assertThat(Json.detail(open, "host")).isEqualTo("localhost");
        assertThat(Json.detail(open, "address")).isEqualTo("127.0.0.1");
        assertThat(Json.detail(open, "port")).isEqualTo(Integer.toString(httpPort));
        assertThat(Long.parseLong(Json.detail(close, "input_bytes"))).as("the request").isPositive();
        assertThat(Long.parseLong(Json.detail(close, "output_bytes"))).as("the response").isGreaterThan(token.length());
        assertThat(Json.detail(close, "duration_ms")).isNotNull();
        JsonNode cert = awaitNew(before, "cert.issued", e -> Json.text(open, "cert_serial").equals(Json.text(e, "cert_serial")));
        assertThat(Json.detail(cert, "extensions")).isEqualTo("permit-port-forwarding");
        ssh.destroy();
    }

    /** A service listening on the node's IPv6 loopback only is reached as {@code ::1}, through the node's PermitOpen. */
    @Test
    void theIpv6LoopbackIsReachedAsItself() throws Exception {
        Files.writeString(webRoot.resolve("v6.txt"), "over-ipv6-" + token + "\n");
        Process v6 = new ProcessBuilder("python3", "-m", "http.server", Integer.toString(httpPort), "--bind", "::1",
                "--directory", webRoot.toString()).redirectErrorStream(true)
                .redirectOutput(webRoot.resolveSibling(webRoot.getFileName() + "-v6.log").toFile()).start();
        try {
            await().atMost(WAIT).until(() -> {
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress("::1", httpPort), 500);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            Set<String> before = eventIds();
            int local = NodeSshd.freePort();
            Process ssh = forward(gw.alice(), local, "-L", "127.0.0.1:" + local + ":[::1]:" + httpPort);
            Proc.Result r = curl("http://127.0.0.1:" + local + "/v6.txt");
            assertThat(r.exit()).as(r.describe() + "\n" + clientLog(ssh)).isZero();
            assertThat(r.stdout().trim()).isEqualTo("over-ipv6-" + token);
            JsonNode open = awaitNew(before, "forward.open", e -> "::1".equals(Json.detail(e, "address")));
            assertThat(Json.detail(open, "host")).isEqualTo("::1");
            ssh.destroy();
        } finally {
            v6.destroy();
            v6.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void sshDynamicForwardReachesItThroughSocks() throws Exception {
        Set<String> before = eventIds();
        int socks = NodeSshd.freePort();
        Process ssh = forward(gw.alice(), socks, "-D", "127.0.0.1:" + socks);
        Proc.Result r = curl("--socks5-hostname", "127.0.0.1:" + socks, "http://localhost:" + httpPort + "/hello.txt");
        assertThat(r.exit()).as(r.describe() + "\n" + clientLog(ssh)).isZero();
        assertThat(r.stdout().trim()).isEqualTo(token);
        JsonNode close = awaitNew(before, "forward.close", e -> true);
        assertThat(Json.detail(close, "port")).isEqualTo(Integer.toString(httpPort));
        assertThat(Long.parseLong(Json.detail(close, "output_bytes"))).isGreaterThan(token.length());

        // the same SOCKS port, to the node's sshd port, which no role lists: refused with the reason
        Proc.Result refused = curl("--socks5-hostname", "127.0.0.1:" + socks, "http://127.0.0.1:" + node.port() + "/");
        assertThat(refused.exit()).as(refused.describe()).isNotZero();
        String reason = "no role of user 'alice' allows forwarding to port " + node.port() + " on node 'gpu-node-1'";
        await().atMost(WAIT).untilAsserted(() -> assertThat(clientLog(ssh))
                .contains("open failed: administratively prohibited: gatehouse: " + reason));
        JsonNode event = awaitNew(before, "forward.refused", e -> reason.equals(Json.detail(e, "reason")));
        assertThat(Json.text(event, "user")).isEqualTo("alice");

        // and to anything but the node's loopback
        Proc.Result elsewhere = curl("--socks5-hostname", "127.0.0.1:" + socks, "http://10.255.255.1:" + httpPort + "/");
        assertThat(elsewhere.exit()).as(elsewhere.describe()).isNotZero();
        await().atMost(WAIT).untilAsserted(() -> assertThat(clientLog(ssh)).contains(
                "administratively prohibited: gatehouse: forwarding goes only to the node's own loopback (localhost, 127.0.0.1 or ::1), not to '10.255.255.1'"));
        awaitNew(before, "forward.refused", e -> "10.255.255.1".equals(Json.detail(e, "host")));
        ssh.destroy();
    }

    /**
     * The node's sshd cannot connect to an allowed port nothing listens on: ssh prints the node's
     * reason, and the audit log has one forward.failed with the stage and the node's words, no
     * forward.open and no forward.close.
     */
    @Test
    void aForwardToAnAllowedPortNothingListensOnTellsTheNodesReason() throws Exception {
        Set<String> before = eventIds();
        int local = NodeSshd.freePort();
        Process ssh = forward(gw.alice(), local, "-L", "127.0.0.1:" + local + ":localhost:" + closedPort);
        Proc.Result r = curl("http://127.0.0.1:" + local + "/");
        assertThat(r.exit()).as(r.describe()).isNotZero();
        await().atMost(WAIT).untilAsserted(() -> assertThat(clientLog(ssh)).contains("open failed: connect failed: gatehouse: node "
                + "'gpu-node-1' refused to open a direct-tcpip channel to 127.0.0.1:" + closedPort + ": connect failed"));
        JsonNode failed = awaitNew(before, "forward.failed", e -> Integer.toString(closedPort).equals(Json.detail(e, "port")));
        assertThat(Json.detail(failed, "stage")).isEqualTo("channel_open");
        assertThat(Json.detail(failed, "node_message")).startsWith("connect failed");
        String id = Json.text(failed, "session_id");
        assertThat(gw.auditLog()).noneMatch(e -> id.equals(Json.text(e, "session_id"))
                && (Json.type("forward.open").test(e) || Json.type("forward.close").test(e)));
        ssh.destroy();
    }

    /** Threat: a role meant for shells opens tunnels into the node's services. */
    @Test
    void aRoleWithoutForwardingIsRefusedWithTheReason() throws Exception {
        Set<String> before = eventIds();
        int local = NodeSshd.freePort();
        Process ssh = forward(gw.user("bob"), local, "-L", "127.0.0.1:" + local + ":localhost:" + httpPort);
        Proc.Result r = curl("http://127.0.0.1:" + local + "/hello.txt");
        assertThat(r.exit()).as(r.describe()).isNotZero();
        assertThat(r.stdout()).doesNotContain(token);
        String reason = "no role of user 'bob' allows forwarding to port " + httpPort + " on node 'gpu-node-1'";
        await().atMost(WAIT).untilAsserted(() -> assertThat(clientLog(ssh))
                .contains("administratively prohibited: gatehouse: " + reason));
        awaitNew(before, "forward.refused", e -> reason.equals(Json.detail(e, "reason")) && "bob".equals(Json.text(e, "user")));
        ssh.destroy();
    }

    /** Threat: a locked user keeps a tunnel into the node after the admin was told "locked" (R07). */
    @Test
    void aLockCutsALiveForwardWithinTwoSeconds() throws Exception {
        Set<String> before = eventIds();
        int local = NodeSshd.freePort();
        Process ssh = forward(gw.alice(), local, "-L", "127.0.0.1:" + local + ":127.0.0.1:" + echo.getLocalPort());
        try (Socket s = new Socket("127.0.0.1", local)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("ping".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(new String(in.readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("ping");
            byte[] buf = new byte[4096];
            awaitNew(before, "forward.open", e -> true);
            gw.shell(gw.user("admin"), "lock user alice --reason 'e2e incident'").requireSuccess();
            long locked = System.nanoTime();
            int n;
            do {
                n = in.read(buf); // whatever is still in flight, then the end of the stream
            } while (n > 0);
            long millis = Duration.ofNanos(System.nanoTime() - locked).toMillis();
            assertThat(millis).as("the forwarded connection ended within 2 s of the lock").isLessThanOrEqualTo(2000);
        } finally {
            gw.shell(gw.user("admin"), "unlock user alice");
            ssh.destroy();
        }
        JsonNode close = awaitNew(before, "forward.close", e -> "terminated".equals(Json.text(e, "outcome")));
        assertThat(Json.detail(close, "reason")).contains("user 'alice' was locked by admin");
    }
}
