package dev.gatehouse.gateway.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import org.apache.sshd.common.util.net.SshdSocketAddress;

/**
 * Socket addresses as people read and type them, the one form for logs, audit fields, messages
 * and CLI output: {@code 192.0.2.7:22}, {@code node-1.example:22}, and IPv6 in brackets
 * ({@code [::1]:3423}, RFC 3986 section 3.2.2) in its canonical short text (RFC 5952: lower case,
 * no leading zeros, the longest run of two or more zero groups as {@code ::}). Java's own
 * {@code 0:0:0:0:0:0:0:1:3423} cannot be told apart from an address without a port.
 */
public final class HostPort {
    private HostPort() {}

    /**
     * {@code HOST:PORT} of {@code address}: the IP literal of a resolved address (an IPv4-mapped IPv6
     * address as its IPv4 form), else the host name it was made with. Not an IP socket: its own text.
     */
    public static String format(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            InetAddress ip = inet.getAddress();
            return ip != null ? join(literal(ip), inet.getPort()) : format(inet.getHostString(), inet.getPort());
        }
        return String.valueOf(address);
    }

    /**
     * {@code HOST:PORT} of a host name or IP literal as configured (such as a node's address): an
     * IPv6 literal is shortened and bracketed; a name is kept as it is (no DNS lookup is made).
     */
    public static String format(String host, int port) {
        if (host.indexOf(':') >= 0 && SshdSocketAddress.isIPv6Address(host)) {
            try {
                // an IPv6 literal is parsed, never looked up
                return join(literal(InetAddress.getByName(host)), port);
            } catch (UnknownHostException e) {
                return join(host, port);
            }
        }
        return join(host, port);
    }

    /** The text of an IP address: dotted IPv4, or IPv6 shortened as RFC 5952 says (with {@code %scope} if any). */
    public static String literal(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        byte[] b = address.getAddress();
        if (isIpv4Mapped(b)) {
            return (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // the first longest run of at least two zero groups becomes "::"
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        if (address instanceof Inet6Address v6 && v6.getScopedInterface() != null) {
            out.append('%').append(v6.getScopedInterface().getName());
        } else if (address instanceof Inet6Address v6 && v6.getScopeId() != 0) {
            out.append('%').append(v6.getScopeId());
        }
        return out.toString();
    }

    private static String join(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static boolean isIpv4Mapped(byte[] b) {
        if (b.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }
}
