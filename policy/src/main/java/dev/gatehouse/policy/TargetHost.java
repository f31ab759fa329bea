package dev.gatehouse.policy;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What an app target's host may not be, judged on its spelling alone (pure: nothing is resolved).
 * A direct target is dialled by the gateway, so a host that names the dialling machine itself
 * would reach the gateway's own services instead of the node's: the unspecified (wildcard)
 * address {@code 0.0.0.0} / {@code ::} and the rest of {@code 0.0.0.0/8} (RFC 1122 section
 * 3.2.1.3: "this host"), a loopback address other than the three spellings the node's sshd is
 * asked for ({@code 127.0.0.1}, {@code ::1}, {@code localhost}), a name under {@code .localhost}
 * (RFC 6761 section 6.3), an IPv6 literal carrying an IPv4 address (RFC 4291 section 2.5.5), and
 * numeric shorthands such as {@code 127.1} or {@code 2130706433}, which resolvers read as IPv4
 * addresses. The gateway also refuses its own interface addresses, at load for literals and when
 * it connects for names.
 */
final class TargetHost {
    private static final Pattern DOTTED_QUAD = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    /** Digits, dots and hex prefixes only: a form resolvers take as an IPv4 address, never a DNS name (no numeric TLD). */
    private static final Pattern NUMERIC = Pattern.compile("(0x[0-9a-f]+|\\d+)(\\.(0x[0-9a-f]*|\\d*))*\\.?");

    private TargetHost() {}

    /**
     * Why {@code host} (as in the URI, an IPv6 literal with or without brackets) may not be an app
     * target's host, or empty when it may.
     */
    static Optional<String> problem(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (ForwardTarget.loopback(h).isPresent()) {
            return Optional.empty();
        }
        String bare = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        if (bare.equals("localhost") || bare.endsWith(".localhost")) {
            return Optional.of("is a loopback name; write localhost, 127.0.0.1 or ::1 (reached through the node's sshd)");
        }
        var quad = DOTTED_QUAD.matcher(h);
        if (quad.matches()) {
            int first = Integer.parseInt(quad.group(1));
            if (first == 0) {
                return Optional.of("is the unspecified (wildcard) address, which reaches the machine that dials it: "
                        + "give the app's own address on the node's network, or 127.0.0.1 for the node's loopback");
            }
            if (first == 127) {
                return Optional.of("is a loopback address other than 127.0.0.1; the node's sshd is asked only for "
                        + "127.0.0.1, ::1 or localhost, so write one of those");
            }
            return Optional.empty();
        }
        if (NUMERIC.matcher(h).matches()) {
            return Optional.of("is a numeric shorthand that resolvers read as an IPv4 address; write the address as four "
                    + "decimal numbers (a.b.c.d)");
        }
        if (h.indexOf(':') >= 0) {
            return ipv6(h);
        }
        return Optional.empty();
    }

    private static Optional<String> ipv6(String h) {
        if (h.indexOf('.') >= 0 || h.indexOf('%') >= 0) {
            return Optional.of("is an IPv6 literal with an embedded IPv4 address or a zone; write the address plainly");
        }
        int[] groups = groups(h);
        if (groups == null) {
            return Optional.empty(); // URI already refused malformed literals
        }
        if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0 && groups[5] == 0xffff) {
            return Optional.of("is an IPv6 literal with an embedded IPv4 address (IPv4-mapped); write the IPv4 address plainly");
        }
        boolean zeroHead = true;
        for (int i = 0; i < 7; i++) {
            zeroHead &= groups[i] == 0;
        }
        if (zeroHead && groups[7] == 0) {
            return Optional.of("is the unspecified (wildcard) address, which reaches the machine that dials it: "
                    + "give the app's own address on the node's network, or ::1 for the node's loopback");
        }
        if (zeroHead && groups[7] == 1) {
            return Optional.of("is the IPv6 loopback written out; write ::1 (reached through the node's sshd)");
        }
        return Optional.empty();
    }

    /** The eight 16-bit groups of an IPv6 literal without brackets (RFC 4291 section 2.2), or null when malformed. */
    private static int[] groups(String h) {
        int gap = h.indexOf("::");
        String head = gap < 0 ? h : h.substring(0, gap);
        String tail = gap < 0 ? "" : h.substring(gap + 2);
        String[] a = head.isEmpty() ? new String[0] : head.split(":", -1);
        String[] b = tail.isEmpty() ? new String[0] : tail.split(":", -1);
        if (gap < 0 ? a.length != 8 : a.length + b.length > 7) {
            return null;
        }
        int[] out = new int[8];
        try {
            for (int i = 0; i < a.length; i++) {
                out[i] = group(a[i]);
            }
            for (int i = 0; i < b.length; i++) {
                out[8 - b.length + i] = group(b[i]);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return out;
    }

    private static int group(String g) {
        if (g.isEmpty() || g.length() > 4) {
            throw new NumberFormatException(g);
        }
        return Integer.parseInt(g, 16);
    }
}
