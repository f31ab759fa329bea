package dev.gatehouse.gateway.web.upstream;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.ssh.UpstreamCredentials;
import dev.gatehouse.gateway.web.AppConnector;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.gateway.web.AppStream;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The gateway's {@link AppConnector}: a node-local target (loopback or wildcard host, as seen from
 * the node) goes through the node's sshd ({@link SshAppConnector}), any other through a direct
 * connection on the node's network ({@link TcpAppConnector}).
 *
 * <p>Node-local means: {@code localhost} and names under {@code .localhost} (RFC 6761 section
 * 6.3), any IPv4 address in 127.0.0.0/8 and {@code ::1} (RFC 1122 section 3.2.1.3, RFC 4291
 * section 2.5.3), and the unspecified {@code 0.0.0.0} and {@code ::}, which reach the local host
 * when dialled. A wider rule than the contract's three spellings, on purpose: any of these sent
 * to the direct path would reach the gateway's own loopback. The SSH path then opens only
 * {@code 127.0.0.1}, {@code ::1} and {@code localhost} (as {@code 127.0.0.1}) and refuses the rest.
 */
public final class AppConnectors implements AppConnector {
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.\\d{1,3}){3}");

    private final AppConnector tunnels;
    private final AppConnector direct;

    /**
     * @param tunnels for node-local targets (normally a {@link SshAppConnector})
     * @param direct for the rest (normally a {@link TcpAppConnector})
     */
    public AppConnectors(AppConnector tunnels, AppConnector direct) {
        this.tunnels = Objects.requireNonNull(tunnels, "tunnels");
        this.direct = Objects.requireNonNull(direct, "direct");
    }

    @Override
    public CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId) {
        return open(route, who, appSessionId, null);
    }

    @Override
    public CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId,
            io.netty.channel.EventLoop clientLoop) {
        String scheme = route.target().getScheme() == null ? "" : route.target().getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || route.target().getHost() == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "app '" + route.app() + "': target " + route.target() + " is not an http:// or https:// URL with a host"));
        }
        return (isNodeLocal(route.target()) ? tunnels : direct).open(route, who, appSessionId, clientLoop);
    }

    /**
     * The gateway's app connector over {@code services}, for the web front's start-up: tunnels
     * through the shared SSH client ({@code services.upstream()}), minting with the policy's CA,
     * the {@code certificates:} settings, the grant record store and the command pool (store
     * writes off the I/O threads), expiring idle connections on {@code services.timer()}; direct
     * connections on {@code group} with {@code ssh.upstream_connect_timeout} as their connect and
     * TLS handshake timeout. Closing it closes the tunnels, not {@code group}.
     */
    public static AppConnectors forGateway(GatewayServices services, EventLoopGroup group) {
        UpstreamCredentials.Minting minting = new UpstreamCredentials.Minting(services.clock(), services.config().certificates(),
                services.access().log(), services.commandPool(), services.audit());
        return new AppConnectors(new SshAppConnector(services.upstream(), services.policy(), minting, services.timer()),
                new TcpAppConnector(group, services.config().ssh().upstreamConnectTimeout()));
    }

    /** Whether {@code target}'s host is the node itself (so reached through its sshd). */
    public static boolean isNodeLocal(URI target) {
        String host = bareHost(target).toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        return host.equals("localhost") || host.endsWith(".localhost") || LOOPBACK_V4.matcher(host).matches()
                || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1") || host.equals("0.0.0.0") || host.equals("::")
                || host.equals("0:0:0:0:0:0:0:0");
    }

    /** The host of {@code target} without the brackets of an IPv6 literal. */
    static String bareHost(URI target) {
        String host = target.getHost() == null ? "" : target.getHost();
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The port of {@code target}, or its scheme's (80, 443). */
    static int port(URI target) {
        if (target.getPort() > 0) {
            return target.getPort();
        }
        return "https".equalsIgnoreCase(target.getScheme()) ? 443 : 80;
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Closes now the cached SSH connections whose key matches (see
     * {@link SshAppConnector#closeFor}); a lock or revoke calls it with the user or grant.
     */
    public void closeFor(Predicate<SshAppConnector.TunnelKey> which) {
        if (tunnels instanceof SshAppConnector ssh) {
            ssh.closeFor(which);
        }
    }

    @Override
    public void closeFor(String user, String node, String login, String grantId) {
        closeFor(k -> k.user().equals(user) && k.node().name().equals(node) && k.login().equals(login)
                && Objects.equals(k.grantId(), grantId));
    }

    @Override
    public void close() {
        try {
            tunnels.close();
        } finally {
            direct.close();
        }
    }
}
