package dev.gatehouse.gateway.session;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * What limits before authentication are keyed by (R24, R30): the client's network source, never
 * anything the client typed. An IPv4 address is one source; an IPv6 address counts as its /64,
 * because one host is routinely given a whole /64 and may pick any address in it.
 *
 * @param value {@code 192.0.2.7}, {@code 2001:db8:1:2::/64}, or, for a socket that is not IP,
 *     its own text
 */
public record SourceKey(String value) {
    public SourceKey {
        Objects.requireNonNull(value, "value");
    }

    /** The source of a peer address; an IPv4-mapped IPv6 address counts as its IPv4 address. */
    public static SourceKey of(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return of(inet.getAddress());
        }
        return new SourceKey(String.valueOf(address));
    }

    public static SourceKey of(InetAddress address) {
        if (address instanceof Inet4Address) {
            return new SourceKey(address.getHostAddress());
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address && isIpv4Mapped(b)) {
            try {
                return new SourceKey(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}).getHostAddress());
            } catch (UnknownHostException e) {
                throw new IllegalStateException("four bytes are always an IPv4 address", e);
            }
        }
        return new SourceKey(String.format("%x:%x:%x:%x::/64", hextet(b, 0), hextet(b, 2), hextet(b, 4), hextet(b, 6)));
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static int hextet(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    @Override
    public String toString() {
        return value;
    }
}
