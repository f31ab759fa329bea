package dev.gatehouse.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * Where a {@code direct-tcpip} channel (RFC 4254 section 7.2) may lead: only the loopback
 * interface of the node the connection is logged in to. The names a client sends for it
 * ({@code localhost}, {@code 127.0.0.1}, {@code ::1}, {@code [::1]}) map onto the address the node's
 * sshd is asked to open, so that the node's {@code PermitOpen} and the audit log see one spelling
 * and no name resolution on the node ({@code /etc/hosts}) can point it elsewhere.
 */
public final class ForwardTarget {
    /** The IPv4 loopback address a forward to {@code localhost} or {@code 127.0.0.1} opens. */
    public static final String IPV4_LOOPBACK = "127.0.0.1";
    /** The IPv6 loopback address a forward to {@code ::1} opens. */
    public static final String IPV6_LOOPBACK = "::1";

    private ForwardTarget() {}

    /**
     * The node-side loopback address for {@code host} as the client sent it in the channel open,
     * or empty when it names anything else (another host, another 127/8 address, an IPv4-mapped or
     * bracketed-with-zone form): those are refused rather than guessed at.
     */
    public static Optional<String> loopback(String host) {
        if (host == null) {
            return Optional.empty();
        }
        String h = host.toLowerCase(Locale.ROOT);
        return switch (h) {
            case "localhost", IPV4_LOOPBACK -> Optional.of(IPV4_LOOPBACK);
            case IPV6_LOOPBACK, "[::1]" -> Optional.of(IPV6_LOOPBACK);
            default -> Optional.empty();
        };
    }
}
