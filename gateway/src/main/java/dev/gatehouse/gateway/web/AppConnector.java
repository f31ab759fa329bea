package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.Identity;
import java.util.concurrent.CompletableFuture;

/**
 * Opens {@link AppStream}s to apps, as {@link AppRoute#target()} says: an SSH tunnel through the
 * node's sshd for a node-local target (the default), or a direct TCP/TLS connection for an
 * {@code http(s)://} target on the node's network.
 */
public interface AppConnector extends AutoCloseable {

    /**
     * Opens a new stream to the app of {@code route} on behalf of {@code who} in app session
     * {@code appSessionId}. Never blocks: the future completes on another thread.
     *
     * @return the open stream, or fails with {@link dev.gatehouse.gateway.ssh.upstream.UpstreamException}
     *     (the stage that failed, the node's own words) or the CA's refusal
     */
    CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId);

    @Override
    void close();
}
