package dev.gatehouse.gateway.ssh;

import java.util.concurrent.CompletableFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.server.session.ServerSession;

/**
 * Where forward channels get their authenticated connection to the node: one whose certificate
 * carries {@code permit-port-forwarding} and no other extension, used for forwards only. Kept
 * behind this interface so forwards can move onto a shared per-connection upstream pool.
 */
interface ForwardUpstream {
    /**
     * An authenticated connection to {@code allowed.node()} as {@code allowed.login()} for the
     * client connection {@code client}, made now or reused.
     *
     * @return completes with the connection, or exceptionally with an
     *     {@link dev.gatehouse.gateway.ssh.upstream.UpstreamException} or a refusal whose message is
     *     one line for the user
     */
    CompletableFuture<Connection> connection(ServerSession client, ForwardGate.Allowed allowed);

    /**
     * @param session the authenticated upstream connection
     * @param certSerial the serial of the certificate it authenticated with
     */
    record Connection(ClientSession session, long certSerial) {}
}
