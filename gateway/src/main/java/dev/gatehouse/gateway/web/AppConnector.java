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
     * {@link #open}, with the event loop of the client connection the stream will serve: a
     * connector that runs its connections on Netty's NIO transport uses {@code clientLoop} for the
     * new connection, so an exchange's bytes never change threads between the client's socket and
     * the app's (no task hand-off and wake-up per chunk, which showed as idle event loops and
     * added latency under {@code wrk}). The default ignores the hint.
     *
     * @param clientLoop an event loop of the web front's group (the same transport)
     */
    default CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId,
            io.netty.channel.EventLoop clientLoop) {
        return open(route, who, appSessionId);
    }

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
