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

    /**
     * Closes now the connections kept for reuse on behalf of {@code user} to node {@code node} as
     * {@code login} under grant {@code grantId} (null: standing access), and fails the streams they
     * carry. Called when the last app session that could use them ends (a lock, revoke, policy
     * change, or its credential's end), so no node login of a user who lost access lingers until
     * it idles out. Later streams connect anew. Default: this connector keeps none.
     */
    default void closeFor(String user, String node, String login, String grantId) {}

    @Override
    void close();
}
