package dev.gatehouse.gateway.web.upstream;

import dev.gatehouse.policy.App;
import dev.gatehouse.policy.ConfigException;
import dev.gatehouse.policy.Policy;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The gateway's own addresses, which a direct app target ({@link TcpAppConnector}) must never
 * reach: the loopback (127.0.0.0/8, {@code ::1}), the unspecified address ({@code 0.0.0.0},
 * {@code ::}, which reaches the dialling host), and every address bound to one of this machine's
 * interfaces ({@link NetworkInterface#getByInetAddress}, asked anew each time: interfaces come and
 * go). Otherwise an app entry naming the gateway's own address would proxy a browser into the
 * gateway's own listeners (SSH, HTTPS, the store's database on the same host) from the outside.
 */
public final class GatewayAddresses {
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private GatewayAddresses() {}

    /**
     * Whether {@code address} is this gateway's own. Fails closed: when the interfaces cannot be
     * listed, every address counts as the gateway's.
     */
    public static boolean isOwn(InetAddress address) {
        return describe(address).isPresent();
    }

    /**
     * What makes {@code address} the gateway's own ({@code "the loopback"}, {@code "the wildcard
     * address"}, {@code "an address of interface eth0"}), or empty when it is not.
     */
    static Optional<String> describe(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return Optional.of("the gateway's loopback");
        }
        if (address.isAnyLocalAddress()) {
            return Optional.of("the wildcard address, which reaches the gateway itself");
        }
        try {
            NetworkInterface nic = NetworkInterface.getByInetAddress(address);
            return nic == null ? Optional.empty() : Optional.of("an address of the gateway's own interface " + nic.getName());
        } catch (SocketException e) {
            return Optional.of("possibly the gateway's own (its interfaces cannot be listed: " + e.getMessage() + ")");
        }
    }

    /**
     * Refuses a policy whose direct app target is an IP literal of this gateway (names are checked
     * when the gateway connects, since their addresses may change). Call after
     * {@link dev.gatehouse.policy.PolicyLoader#parse} at start and on every reload.
     *
     * @param text the policy file's text, to point at the target's line
     * @throws ConfigException {@code file:line: app 'NAME' target URL is ...; what to do}
     */
    public static void checkPolicy(Policy policy, String source, String text) {
        for (App app : policy.apps()) {
            if (app.viaTunnel()) {
                continue;
            }
            String host = AppConnectors.bareHost(app.target());
            if (!IPV4_LITERAL.matcher(host).matches() && host.indexOf(':') < 0) {
                continue; // a name: resolved and checked at connect time
            }
            InetAddress address;
            try {
                address = InetAddress.getByName(host); // a literal: parsed, never looked up
            } catch (UnknownHostException e) {
                continue;
            }
            Optional<String> own = describe(address);
            if (own.isPresent()) {
                throw new ConfigException(source, lineOf(text, host), "app '" + app.name() + "' target " + app.target() + " is "
                        + own.get() + "; a direct target must be the app's host on the node's network (or 127.0.0.1 for the "
                        + "node's own loopback, reached through its sshd)");
            }
        }
    }

    /** The first line that has a {@code target:} naming {@code host}, else 1. */
    private static int lineOf(String text, String host) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("target") && lines[i].toLowerCase(java.util.Locale.ROOT).contains(host.toLowerCase(java.util.Locale.ROOT))) {
                return i + 1;
            }
        }
        return 1;
    }
}
