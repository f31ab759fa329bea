package dev.gatehouse.gateway.ssh.upstream;

import java.util.Locale;

/**
 * The step of reaching a node that failed, in the order an SSH connection takes them (RFC 4253
 * sections 4.2 and 7, RFC 4252, RFC 4254 section 5.1); {@link #TLS} only for direct app targets. Its {@link #wireName()} is the
 * {@code stage} detail of {@code upstream.failure} audit events.
 */
public enum UpstreamStage {
    /** The TCP connection was refused, unroutable or timed out. */
    TCP_CONNECT,
    /** TCP connected, but the node sent no SSH identification string (RFC 4253 section 4.2). */
    BANNER,
    /** The node identified itself, then the key exchange (RFC 4253 section 7) did not complete. */
    KEY_EXCHANGE,
    /** The node's host key is not the pinned one or not signed by its host CA (R26). */
    HOST_KEY,
    /** The node did not accept the gateway's certificate (RFC 4252). */
    AUTHENTICATION,
    /** Authenticated, but the node refused to open the channel (RFC 4254 section 5.1). */
    CHANNEL_OPEN,
    /**
     * A direct {@code https://} app target (no SSH): TCP connected, then the TLS handshake (RFC 8446)
     * failed, such as a certificate that does not chain to the app's pinned CA or does not name its host.
     */
    TLS;

    /** The name used in audit events: {@code tcp_connect}, {@code banner}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
