package dev.gatehouse.gateway.ssh.upstream;

import dev.gatehouse.gateway.ssh.Algorithms;
import dev.gatehouse.policy.Node;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import dev.gatehouse.gateway.ssh.SharedIo;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * Opens authenticated SSH connections to nodes with one shared {@link SshClient} (one thread pool
 * for all upstream connections). Each connection authenticates with the per-connection certificate
 * it is given and nothing else: no keys from disk, no agent, no ~/.ssh/config.
 */
public final class UpstreamConnector implements AutoCloseable {
    private static final AttributeRepository.AttributeKey<HostKeyCheck> CHECK = new AttributeRepository.AttributeKey<>();

    private final SshClient client;
    private final ScheduledExecutorService timer;
    private final Duration timeout;

    public UpstreamConnector(Duration timeout, List<String> kex, ScheduledExecutorService timer, SharedIo io) {
        this.timeout = timeout;
        this.timer = timer;
        client = SshClient.setUpDefaultClient();
        Algorithms.applyUpstream(client, kex);
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
        client.setServerKeyVerifier((session, remote, key) -> {
            HostKeyCheck check = session.getConnectionContext() == null ? null : session.getConnectionContext().getAttribute(CHECK);
            return check != null && check.verify(key);
        });
        io.configure(client);
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, Duration.ofSeconds(30));
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.CLIENT_IDENTIFICATION.set(client, "Gatehouse");
        client.start();
    }

    /**
     * Connects to {@code node} as {@code login} and authenticates with {@code identity}
     * (certificate as public key, ephemeral private key).
     *
     * @return completes with an authenticated session, or exceptionally with an {@link UpstreamException}
     */
    public CompletableFuture<ClientSession> connect(Node node, String login, KeyPair identity) {
        CompletableFuture<ClientSession> result = new CompletableFuture<>();
        HostKeyCheck check = new HostKeyCheck(node);
        ConnectFuture connect;
        try {
            connect = client.connect(login, node.host(), node.port(), AttributeRepository.ofKeyValuePair(CHECK, check), null);
        } catch (IOException | RuntimeException e) {
            result.completeExceptionally(unreachable(node, e));
            return result;
        }
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            if (result.completeExceptionally(new UpstreamException(UpstreamException.Kind.TIMEOUT,
                    "node '" + node.name() + "' did not answer within " + timeout.toSeconds() + " s", null))) {
                connect.cancel();
                ClientSession session = connect.getClientSession();
                if (session != null) {
                    session.close(true);
                }
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        result.whenComplete((s, e) -> deadline.cancel(false));

        connect.addListener(f -> {
            if (!f.isConnected()) {
                Throwable cause = f.getException();
                result.completeExceptionally(check.failure() != null
                        ? new UpstreamException(UpstreamException.Kind.HOST_KEY_MISMATCH, check.failure(), cause)
                        : unreachable(node, cause));
                return;
            }
            ClientSession session = f.getClientSession();
            session.addPublicKeyIdentity(identity);
            try {
                session.auth().addListener(a -> {
                    if (a.isSuccess()) {
                        if (!result.complete(session)) {
                            session.close(true);
                        }
                        return;
                    }
                    session.close(true);
                    result.completeExceptionally(check.failure() != null
                            ? new UpstreamException(UpstreamException.Kind.HOST_KEY_MISMATCH, check.failure(), a.getException())
                            : new UpstreamException(UpstreamException.Kind.AUTH_REFUSED, "node '" + node.name()
                                    + "' refused the gateway certificate for login '" + login
                                    + "' (does the account exist, and does the node trust the gateway CA?)", a.getException()));
                });
            } catch (IOException | RuntimeException e) {
                session.close(true);
                result.completeExceptionally(unreachable(node, e));
            }
        });
        return result;
    }

    private static UpstreamException unreachable(Node node, Throwable cause) {
        String why = cause == null || cause.getMessage() == null ? "connection failed" : cause.getMessage();
        return new UpstreamException(UpstreamException.Kind.UNREACHABLE,
                "cannot reach node '" + node.name() + "' at " + dev.gatehouse.gateway.config.HostPort.format(node.host(), node.port()) + " (" + why + ")", cause);
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (RuntimeException e) {
            // shutting down: nothing left to do with the client
        }
    }
}
