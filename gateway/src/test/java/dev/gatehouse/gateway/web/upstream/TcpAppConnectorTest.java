package dev.gatehouse.gateway.web.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.gateway.ssh.upstream.UpstreamStage;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.gateway.web.AppStream;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Node;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Direct app targets on the node's network: plain TCP with the same flow control as tunnels, TLS
 * trusted only through the app's pinned CA and the target's name, and never the gateway's own
 * loopback. Servers listen on this host's site address (not loopback, which the direct path refuses).
 */
class TcpAppConnectorTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Node NODE = new Node("gpu-node-1", "192.0.2.10", 22, Optional.of("ssh-ed25519 AAAA"), Optional.empty(),
            Map.of());
    private static final Identity ALICE = new Identity("alice", "SHA256:test", "203.0.113.5:50000");

    private EventLoopGroup group;
    private TcpAppConnector connector;
    private InetAddress site;

    @BeforeEach
    void start() throws Exception {
        Optional<InetAddress> address = TestTls.siteAddress();
        assumeTrue(address.isPresent(), "this host has no non-loopback IPv4 address to serve a direct target on");
        site = address.get();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        // this host's site address stands in for an app host on the node's network; the connector
        // that guards the gateway's own addresses for real is made by the tests about it
        connector = new TcpAppConnector(group, Duration.ofSeconds(5),
                a -> a.equals(site) ? Optional.empty() : GatewayAddresses.describe(a));
    }

    @AfterEach
    void stop() {
        if (connector != null) {
            connector.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static AppRoute route(String target, String ca) {
        return new AppRoute("grafana", NODE, "aiops", URI.create(target), ca, Decision.allow("engineer"));
    }

    private String url(String scheme, int port) {
        return scheme + "://" + site.getHostAddress() + ":" + port + "/";
    }

    private AppStream open(AppRoute route) throws Exception {
        return connector.open(route, ALICE, "app-1").get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void bytesRoundTripOverTcpAndTheEofReachesTheApp() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo(site)) {
            AppStream stream = open(route(url("http", app.port()), null));
            Collect reader = Collect.eager();
            stream.read(reader);
            stream.write(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.UTF_8)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            stream.shutdownOutput();
            reader.end.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(reader.text()).isEqualTo("GET / HTTP/1.1\r\n\r\n");
            assertThat(stream.describe()).isEqualTo("tcp " + site.getHostAddress() + ":" + app.port() + " on the network of gpu-node-1");
            stream.close();
        }
    }

    /**
     * The connection to a direct target runs on the client connection's event loop when asked, so
     * the app's bytes reach the client without a hand-off to another thread per chunk; a loop that
     * is not the group's (an embedded one in tests) is ignored rather than used with NIO sockets.
     */
    @Test
    void theConnectionRunsOnTheClientsLoopWhenItIsOneOfTheGroups() throws Exception {
        EventLoopGroup three = new MultiThreadIoEventLoopGroup(3, NioIoHandler.newFactory());
        EventLoopGroup foreign = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (LoopbackApp app = LoopbackApp.echo(site)) {
            TcpAppConnector onThree = new TcpAppConnector(three, Duration.ofSeconds(5),
                    a -> a.equals(site) ? Optional.empty() : GatewayAddresses.describe(a));
            java.util.List<io.netty.channel.EventLoop> loops = new java.util.ArrayList<>();
            three.forEach(e -> loops.add((io.netty.channel.EventLoop) e));
            java.util.Collections.reverse(loops); // against the group's own round robin, which starts at the first
            for (io.netty.channel.EventLoop clientLoop : loops) {
                AppStream stream = onThree.open(route(url("http", app.port()), null), ALICE, "app-1", clientLoop)
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                java.util.concurrent.CompletableFuture<Boolean> onClientLoop = new java.util.concurrent.CompletableFuture<>();
                stream.read(new AppStream.Reader() {
                    @Override
                    public void onData(io.netty.buffer.ByteBuf data, Runnable more) {
                        data.release();
                        onClientLoop.complete(clientLoop.inEventLoop());
                    }

                    @Override
                    public void onEnd() {}

                    @Override
                    public void onFailure(Throwable cause) {
                        onClientLoop.completeExceptionally(cause);
                    }
                });
                stream.write(Unpooled.copiedBuffer("ping", StandardCharsets.UTF_8)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(onClientLoop.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as("bytes delivered on the client's loop").isTrue();
                stream.close();
            }
            io.netty.channel.EventLoop alien = foreign.next();
            AppStream stream = onThree.open(route(url("http", app.port()), null), ALICE, "app-1", alien)
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            Collect reader = Collect.eager();
            stream.read(reader);
            stream.write(Unpooled.copiedBuffer("pong", StandardCharsets.UTF_8)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            stream.shutdownOutput();
            reader.end.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(reader.text()).isEqualTo("pong");
            stream.close();
            onThree.close();
        } finally {
            three.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            foreign.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Threat: an app that streams faster than the browser reads fills the gateway's memory. */
    @Test
    void aSlowReaderIsNeverHandedMoreThanOneChunkItDidNotAskFor() throws Exception {
        long total = 8L << 20;
        try (LoopbackApp app = LoopbackApp.source(site, total)) {
            AppStream stream = open(route(url("http", app.port()), null));
            Collect reader = Collect.held();
            stream.read(reader);
            long received = reader.takePattern(chunk -> {});
            assertThat(received).isEqualTo(total);
            assertThat(reader.mostUnasked.get()).isEqualTo(1);
            stream.close();
        }
    }

    @Test
    void anHttpsTargetWhoseCertificateChainsToThePinnedCaIsReached() throws Exception {
        TestTls.Issued ca = TestTls.ca("app CA");
        Channel server = TestTls.echoServer(group, site, TestTls.server(ca, site.getHostAddress()));
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            AppStream stream = open(route(url("https", port), ca.pem()));
            Collect reader = Collect.eager();
            stream.read(reader);
            stream.write(Unpooled.copiedBuffer("ping", StandardCharsets.UTF_8)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> reader.text().equals("ping"));
            assertThat(stream.describe()).startsWith("tls ");
            stream.close();
        } finally {
            server.close().sync();
        }
    }

    /** Threat: someone on the node's network answers for the app with a certificate from a CA the JDK (or anyone) trusts. */
    @Test
    void aCertificateFromAnotherCaIsRefusedAtTls() throws Exception {
        TestTls.Issued pinned = TestTls.ca("app CA");
        TestTls.Issued other = TestTls.ca("other CA");
        Channel server = TestTls.echoServer(group, site, TestTls.server(other, site.getHostAddress()));
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            UpstreamException e = Openings.failure(connector.open(route(url("https", port), pinned.pem()), ALICE, "app-1"));
            assertThat(e.stage()).isEqualTo(UpstreamStage.TLS);
            assertThat(e.getMessage()).contains("TLS handshake with " + site.getHostAddress() + ":" + port);
        } finally {
            server.close().sync();
        }
    }

    /** Threat: another service's certificate from the same internal CA is accepted for the app. */
    @Test
    void aCertificateFromThePinnedCaForAnotherNameIsRefusedAtTls() throws Exception {
        TestTls.Issued ca = TestTls.ca("app CA");
        Channel server = TestTls.echoServer(group, site, TestTls.server(ca, "198.51.100.77"));
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            UpstreamException e = Openings.failure(connector.open(route(url("https", port), ca.pem()), ALICE, "app-1"));
            assertThat(e.stage()).isEqualTo(UpstreamStage.TLS);
            assertThat(e.getMessage()).contains("No subject alternative names matching IP address " + site.getHostAddress());
        } finally {
            server.close().sync();
        }
    }

    /** Threat: with no pinned CA, falling back to the JDK's public roots would trust any public certificate for an internal app. */
    @Test
    void anHttpsTargetWithoutAPinnedCaIsRefusedBeforeConnecting() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo(site)) {
            UpstreamException e = Openings.failure(connector.open(route(url("https", app.port()), null), ALICE, "app-1"));
            assertThat(e.stage()).isEqualTo(UpstreamStage.TLS);
            assertThat(e.getMessage()).contains("target_ca");
            assertThat(app.accepted.get()).isZero();
        }
    }

    /** Threat: an app target of 127.0.0.1 on the direct path would reach the gateway's own services (SSRF). */
    @Test
    void aLoopbackTargetIsNeverDialledDirectly() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo()) {
            for (String target : new String[] {"http://127.0.0.1:" + app.port(), "http://localhost:" + app.port(),
                    "http://127.1.2.3:" + app.port(), "http://0.0.0.0:" + app.port()}) {
                UpstreamException e = Openings.failure(connector.open(route(target, null), ALICE, "app-1"));
                assertThat(e.stage()).as(target).isEqualTo(UpstreamStage.TCP_CONNECT);
                assertThat(e.getMessage()).as(target).contains("node's sshd");
            }
            assertThat(app.accepted.get()).isZero();
        }
    }

    /** Threat: a direct target at one of the gateway's own interface addresses proxies browsers into its own listeners (SSRF). */
    @Test
    void aTargetAtAnAddressOfTheGatewaysOwnInterfacesIsRefusedBeforeAnyConnection() throws Exception {
        TcpAppConnector guarded = new TcpAppConnector(group, Duration.ofSeconds(5));
        try (LoopbackApp app = LoopbackApp.echo(site)) {
            UpstreamException e = Openings.failure(guarded.open(route(url("http", app.port()), null), ALICE, "app-1"));
            assertThat(e.stage()).isEqualTo(UpstreamStage.TCP_CONNECT);
            assertThat(e.getMessage()).contains(site.getHostAddress()).contains("the gateway's own interface");
            assertThat(app.accepted.get()).as("connections the gateway's own listener saw").isZero();
        } finally {
            guarded.close();
        }
    }

    /**
     * Threat: a name that (now, DNS may change) resolves to the gateway's loopback. Here this
     * host's own name, which /etc/hosts maps to 127.0.0.1 on Debian-style hosts.
     */
    @Test
    void aNameThatResolvesToTheGatewaysLoopbackIsRefusedBeforeAnyConnection() throws Exception {
        String name = InetAddress.getLocalHost().getHostName();
        assumeTrue(!name.equalsIgnoreCase("localhost") && InetAddress.getByName(name).isLoopbackAddress(),
                "this host's name does not resolve to its loopback");
        try (LoopbackApp app = LoopbackApp.echo()) {
            UpstreamException e = Openings.failure(connector.open(route("http://" + name + ":" + app.port(), null), ALICE, "app-1"));
            assertThat(e.stage()).isEqualTo(UpstreamStage.TCP_CONNECT);
            assertThat(e.getMessage()).contains("resolves to 127.").contains("the gateway's loopback");
            assertThat(app.accepted.get()).as("the gateway's loopback saw no connection, not even one closed at once").isZero();
        }
    }

    @Test
    void aPortNobodyListensOnFailsAtTcpConnect() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, site)) {
            port = s.getLocalPort();
        }
        UpstreamException e = Openings.failure(connector.open(route(url("http", port), null), ALICE, "app-1"));
        assertThat(e.stage()).isEqualTo(UpstreamStage.TCP_CONNECT);
        assertThat(e.getMessage()).contains("grafana").contains("gpu-node-1").contains(site.getHostAddress() + ":" + port);
    }
}
