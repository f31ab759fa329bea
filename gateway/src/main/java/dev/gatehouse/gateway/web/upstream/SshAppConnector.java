package dev.gatehouse.gateway.web.upstream;

import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.ssh.UpstreamCredentials;
import dev.gatehouse.gateway.ssh.upstream.ChannelOpenFailure;
import dev.gatehouse.gateway.ssh.upstream.UpstreamConnector;
import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.gateway.web.AppConnector;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.gateway.web.AppStream;
import dev.gatehouse.policy.ForwardTarget;
import dev.gatehouse.policy.Node;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * Reaches a node-local app ({@code http://127.0.0.1:8888} as seen from the node) through the
 * node's own sshd: a {@code direct-tcpip} channel (RFC 4254 section 7.2) to the target's host and
 * port (spelled as {@link ForwardTarget#loopback} maps it, {@code localhost} as {@code 127.0.0.1}, so
 * that the node's {@code PermitOpen} sees one spelling and no name is resolved on the node), on an
 * SSH connection authenticated with a short-lived OpenSSH certificate for
 * {@link AppRoute#login()} whose only extension is {@code permit-port-forwarding} (OpenSSH
 * PROTOCOL.certkeys), minted by {@link UpstreamCredentials} as for SSH sessions (key id
 * {@code user=U;session=APPSESSIONID[;grant=G]}, recorded with its grant, audited as
 * {@code cert.issued}). The node's sshd must allow local forwarding to its loopback for
 * certificate logins ({@code AllowTcpForwarding local}, see {@code config/node/sshd_config}).
 *
 * <p>Connections are reused ({@link Tunnels}): streams of one user to one node, login and grant
 * share one connection while its certificate has at least 20 s left; an idle one closes after
 * 30 s. Failures complete the future with an {@link UpstreamException} (stage
 * {@code tcp_connect}, {@code banner}, {@code key_exchange}, {@code host_key},
 * {@code authentication} or {@code channel_open}, and the node's words), a
 * {@link dev.gatehouse.pki.CertificateRefusedException} or a
 * {@link dev.gatehouse.recorder.StoreUnavailableException} (an elevated certificate could not be
 * recorded with its grant; the node never saw it).
 */
public final class SshAppConnector implements AppConnector {
    /** The certificate's only extension (PROTOCOL.certkeys): sshd honours {@code direct-tcpip} and nothing else. */
    static final Set<String> EXTENSIONS = Set.of("permit-port-forwarding");
    /** What the channel names as its originator (RFC 4254 section 7.2): the gateway's side. */
    private static final SshdSocketAddress ORIGINATOR = new SshdSocketAddress("127.0.0.1", 0);

    /**
     * Which streams may share one SSH connection: the same user, the node as the policy describes
     * it (a reload that changes its address or pinned key makes new streams connect anew), the
     * login, and the grant the certificate is bound to (null for standing access).
     */
    public record TunnelKey(String user, Node node, String login, String grantId) {
        public TunnelKey {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(login, "login");
        }
    }

    private final UpstreamConnector upstream;
    private final PolicyHolder policy;
    private final UpstreamCredentials.Minting minting;
    private final Tunnels tunnels;

    /**
     * @param upstream the gateway's SSH client to nodes (shared with the SSH path: one I/O pool,
     *     the same host key checks and connect timeout)
     * @param policy whose current snapshot's CA signs the certificates
     * @param minting the clock, certificate settings ({@code certificates:} ttl, source
     *     addresses), grant record store, executor for its writes (never an I/O thread) and audit
     *     trail, as the SSH path mints with
     * @param timer runs the expiry of idle and aging connections on time (null: expiry happens at
     *     the next {@link #open}, for tests that move {@code minting.clock()} by hand)
     */
    public SshAppConnector(UpstreamConnector upstream, PolicyHolder policy, UpstreamCredentials.Minting minting,
            ScheduledExecutorService timer) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.minting = Objects.requireNonNull(minting, "minting");
        this.tunnels = new Tunnels(minting.clock(), timer);
    }

    @Override
    public CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId) {
        URI target = route.target();
        Optional<String> loopback = ForwardTarget.loopback(AppConnectors.bareHost(target));
        if (loopback.isEmpty()) {
            // another 127/8 address, 0.0.0.0, a .localhost name: refused rather than guessed at
            return CompletableFuture.failedFuture(new IllegalArgumentException("app '" + route.app() + "': target " + target
                    + " is not the node's loopback as the node's sshd allows it (127.0.0.1, ::1 or localhost)"));
        }
        String host = loopback.get();
        int port = AppConnectors.port(target);
        TunnelKey key = new TunnelKey(who.user(), route.node(), route.login(), route.decision().grantId());
        Tunnels.Tunnel tunnel;
        try {
            tunnel = tunnels.acquire(key, k -> {
                PolicyHolder.Snapshot snapshot = policy.current();
                var credential = UpstreamCredentials.mint(minting, snapshot, who, appSessionId, route.login(), route.decision(),
                        route.node(), EXTENSIONS);
                return new Tunnels.Tunnel(k, credential, c -> c.ready()
                        .thenCompose(ready -> upstream.connect(route.node(), route.login(), c.identity())));
            });
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<AppStream> result = new CompletableFuture<>();
        tunnel.session.whenComplete((session, failure) -> {
            if (failure != null) {
                tunnels.release(tunnel);
                result.completeExceptionally(unwrap(failure));
                return;
            }
            openChannel(session, tunnel, route.node(), host, port, result);
        });
        return result;
    }

    private void openChannel(ClientSession session, Tunnels.Tunnel tunnel, Node node, String host, int port,
            CompletableFuture<AppStream> result) {
        String what = "a direct-tcpip channel to " + AppConnectors.hostPort(host, port);
        ChannelDirectTcpip channel;
        OpenFuture open;
        try {
            channel = session.createDirectTcpipChannel(ORIGINATOR, new SshdSocketAddress(host, port));
            channel.setStreaming(StreamingChannel.Streaming.Async);
            open = channel.open();
        } catch (IOException | RuntimeException e) {
            tunnels.release(tunnel);
            result.completeExceptionally(ChannelOpenFailure.upstream(node, what, e));
            return;
        }
        open.addListener(o -> {
            if (!o.isOpened()) {
                tunnels.release(tunnel);
                channel.close(true);
                result.completeExceptionally(ChannelOpenFailure.upstream(node, what, o.getException()));
                return;
            }
            String describe = "ssh direct-tcpip " + AppConnectors.hostPort(host, port) + " via " + node.name()
                    + " (cert " + tunnel.credential.certificate().serial() + ")";
            channel.addCloseFutureListener(c -> tunnels.release(tunnel));
            SshAppStream stream = new SshAppStream(channel, describe);
            if (!result.complete(stream)) {
                stream.close();
            }
        });
    }

    /**
     * Closes now the cached connections whose key matches (a lock or revoke of the user, a node
     * removed, a grant ended); their streams fail. Streams opened later connect anew.
     */
    public void closeFor(Predicate<TunnelKey> which) {
        tunnels.closeFor(which);
    }

    /** SSH connections open or being made (for tests and metrics). */
    public int connections() {
        return tunnels.size();
    }

    /** Runs due expiry now (tests that move the clock). */
    void cleanUp() {
        tunnels.cleanUp();
    }

    @Override
    public void close() {
        tunnels.close();
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
