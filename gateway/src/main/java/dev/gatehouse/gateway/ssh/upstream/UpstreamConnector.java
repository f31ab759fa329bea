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
    private static final AttributeRepository.AttributeKey<ConnectProgress> PROGRESS = new AttributeRepository.AttributeKey<>();

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
            ConnectProgress progress = progress(session);
            return progress != null && progress.hostKey().verify(key);
        });
        client.addSessionListener(new ConnectProgress.Listener(UpstreamConnector::progress));
        io.configure(client);
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, Duration.ofSeconds(30));
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.CLIENT_IDENTIFICATION.set(client, "Gatehouse");
        client.start();
    }

    private volatile ConnectObserver observer = (nanos, ok) -> { };

    /** Told of every upstream connect once it is authenticated or failed (for metrics); must not block. */
    @FunctionalInterface
    public interface ConnectObserver {
        void connected(long nanos, boolean authenticated);
    }

    /** Sets the one observer of connects (the operations metrics). */
    public void observe(ConnectObserver next) {
        observer = next;
    }

    /**
     * Connects to {@code node} as {@code login} and authenticates with {@code identity}
     * (certificate as public key, ephemeral private key).
     *
     * @return completes with an authenticated session, or exceptionally with an {@link UpstreamException}
     *     naming the stage that failed ({@link UpstreamStage}) and what the node said, if anything
     */
    public CompletableFuture<ClientSession> connect(Node node, String login, KeyPair identity) {
        ConnectObserver observer = this.observer;
        CompletableFuture<ClientSession> result = new CompletableFuture<>();
        ConnectProgress progress = new ConnectProgress(node, login);
        ConnectFuture connect;
        try {
            connect = client.connect(login, node.host(), node.port(), AttributeRepository.ofKeyValuePair(PROGRESS, progress), null);
        } catch (IOException | RuntimeException e) {
            result.completeExceptionally(progress.failed(e));
            return result;
        }
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            if (result.completeExceptionally(progress.timedOut(timeout))) {
                connect.cancel();
                ClientSession session = connect.getClientSession();
                if (session != null) {
                    session.close(true);
                }
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        long started = System.nanoTime();
        result.whenComplete((s, e) -> {
            deadline.cancel(false);
            observer.connected(System.nanoTime() - started, e == null);
        });

        connect.addListener(f -> {
            if (!f.isConnected()) {
                result.completeExceptionally(progress.failed(f.getException()));
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
                    result.completeExceptionally(progress.failed(a.getException()));
                });
            } catch (IOException | RuntimeException e) {
                session.close(true);
                result.completeExceptionally(progress.failed(e));
            }
        });
        return result;
    }

    private static ConnectProgress progress(org.apache.sshd.common.session.Session session) {
        AttributeRepository context = session instanceof ClientSession c ? c.getConnectionContext() : null;
        return context == null ? null : context.getAttribute(PROGRESS);
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
