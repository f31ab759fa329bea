package dev.gatehouse.pki;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The CA's input checks, kept apart from signing so each rule reads on its own. Every method
 * throws {@link CertificateRefusedException} with one printable line; untrusted values are
 * quoted through {@link SshKeyCodec#quote} so they cannot inject line breaks into logs.
 */
final class CertificateRules {
    /** POSIX portable user name (letters of either case, digits, {@code _ . -}), not starting with {@code -} or a digit. */
    private static final Pattern LOGIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    // compiled once: every certificate passes through these
    private static final Pattern CIDR = Pattern.compile("[0-9A-Fa-f.:]+/[0-9]{1,3}");
    private static final Pattern OCTET = Pattern.compile("0|[1-9][0-9]{0,2}");

    static final int MAX_LOGIN_LENGTH = 32;
    static final int MAX_KEY_ID_LENGTH = 256;
    /** Bounds what one certificate may carry; a real gateway has a handful of egress ranges. */
    static final int MAX_SOURCE_ADDRESSES = 64;

    /** The only extensions OpenSSH defines for user certificates. */
    static final Set<String> KNOWN_EXTENSIONS = Set.of(
            "permit-pty",
            "permit-X11-forwarding",
            "permit-agent-forwarding",
            "permit-port-forwarding",
            "permit-user-rc");

    private CertificateRules() {}

    /**
     * Refuses empty lists, duplicates, malformed logins, {@code root} in any case and the
     * configured forbidden logins ({@code forbidden} holds lower-case names).
     */
    static void checkPrincipals(List<String> principals, Set<String> forbidden) {
        if (principals == null || principals.isEmpty()) {
            throw refused("at least one principal is required (an empty list would match every login on some nodes)");
        }
        Set<String> seen = new HashSet<>();
        for (String principal : principals) {
            checkPrincipal(principal, forbidden);
            if (!seen.add(principal.toLowerCase(Locale.ROOT))) {
                throw refused("principal '" + principal + "' is listed twice");
            }
        }
    }

    private static void checkPrincipal(String principal, Set<String> forbidden) {
        if (principal == null || principal.isEmpty()) {
            throw refused("an empty principal is not a login");
        }
        String shown = SshKeyCodec.quote(principal);
        for (int i = 0; i < principal.length(); i++) {
            char c = principal.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw refused("principal '" + shown + "' contains a control character");
            }
            if (c > 0x7e) {
                throw refused("principal '" + shown + "' contains a non-ASCII character");
            }
            if (Character.isWhitespace(c)) {
                throw refused("principal '" + shown + "' contains whitespace");
            }
            if (",*?!@/".indexOf(c) >= 0) {
                throw refused("principal '" + shown + "' contains '" + c + "', which OpenSSH treats as syntax");
            }
        }
        // root first, so 'ROOT' gets the message that matters rather than a syntax one.
        String lower = principal.toLowerCase(Locale.ROOT);
        if (lower.equals("root")) {
            throw refused("root is never a permitted principal");
        }
        if (forbidden.contains(lower)) {
            throw refused("'" + shown + "' is a forbidden login");
        }
        if (principal.length() > MAX_LOGIN_LENGTH) {
            throw refused("principal '" + shown + "' is longer than " + MAX_LOGIN_LENGTH + " characters");
        }
        if (!LOGIN.matcher(principal).matches()) {
            throw refused("principal '" + shown
                    + "' is not a POSIX user name (letters, digits, '_', '.', '-'; not starting with '-' or a digit)");
        }
    }

    static void checkKeyId(String keyId) {
        if (keyId == null || keyId.isEmpty()) {
            throw refused("a key id is required (it traces the certificate to user, session and grant)");
        }
        if (keyId.length() > MAX_KEY_ID_LENGTH) {
            throw refused("key id is longer than " + MAX_KEY_ID_LENGTH + " characters");
        }
        for (int i = 0; i < keyId.length(); i++) {
            char c = keyId.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw refused("key id '" + SshKeyCodec.quote(keyId, 80) + "' contains a character that is not printable ASCII");
            }
        }
    }

    static void checkExtensions(Set<String> extensions) {
        for (String extension : extensions) {
            if (!KNOWN_EXTENSIONS.contains(extension)) {
                throw refused("unknown extension '" + SshKeyCodec.quote(extension)
                        + "'; allowed: " + String.join(", ", KNOWN_EXTENSIONS.stream().sorted().toList()));
            }
        }
    }

    /** Each entry must be {@code address/prefix} with no host bits set, as OpenSSH's source-address parser demands. */
    static void checkSourceAddresses(List<String> cidrs) {
        if (cidrs.size() > MAX_SOURCE_ADDRESSES) {
            throw refused("more than " + MAX_SOURCE_ADDRESSES + " source addresses");
        }
        for (String cidr : cidrs) {
            checkCidr(cidr);
        }
    }

    private static void checkCidr(String cidr) {
        String shown = cidr == null ? "null" : SshKeyCodec.quote(cidr, 60);
        if (cidr == null || !CIDR.matcher(cidr).matches()) {
            throw refused("source address '" + shown + "' is not a CIDR such as 10.0.0.0/24 or ::1/128");
        }
        int slash = cidr.indexOf('/');
        String address = cidr.substring(0, slash);
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        byte[] bytes = address.indexOf(':') >= 0 ? parseIpv6(address, shown) : parseIpv4(address, shown);
        if (prefix > bytes.length * 8) {
            throw refused("source address '" + shown + "' has a prefix longer than " + bytes.length * 8 + " bits");
        }
        for (int bit = prefix; bit < bytes.length * 8; bit++) {
            if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw refused("source address '" + shown + "' has host bits set beyond /" + prefix
                        + "; OpenSSH would reject the certificate");
            }
        }
    }

    private static byte[] parseIpv4(String address, String shown) {
        String[] parts = address.split("\\.", -1);
        if (parts.length != 4) {
            throw refused("source address '" + shown + "' is not a valid IPv4 address");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            // Leading zeros are read as octal by some parsers; refuse the ambiguity.
            if (!OCTET.matcher(part).matches() || Integer.parseInt(part) > 255) {
                throw refused("source address '" + shown + "' is not a valid IPv4 address");
            }
            bytes[i] = (byte) Integer.parseInt(part);
        }
        return bytes;
    }

    private static byte[] parseIpv6(String address, String shown) {
        try {
            // Only hex digits, ':' and '.' reach here, so this never performs a DNS lookup.
            InetAddress parsed = InetAddress.getByName(address);
            if (!(parsed instanceof Inet6Address)) {
                throw refused("source address '" + shown + "' is an IPv4-mapped IPv6 address; write it as IPv4");
            }
            return parsed.getAddress();
        } catch (UnknownHostException e) {
            throw refused("source address '" + shown + "' is not a valid IPv6 address");
        }
    }

    static CertificateRefusedException refused(String reason) {
        return new CertificateRefusedException("refusing to sign: " + reason);
    }
}
