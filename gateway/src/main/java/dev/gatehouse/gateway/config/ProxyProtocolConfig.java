package dev.gatehouse.gateway.config;

import dev.gatehouse.policy.ConfigNode;
import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Loads {@code ssh.proxy_protocol} and {@code web.proxy_protocol}:
 * <pre>
 * proxy_protocol:
 *   from: ["10.0.0.5/32", "fd00::/64"]
 * </pre>
 * {@code from} names the load balancers trusted to send a PROXY protocol header (HAProxy's
 * proxy-protocol.txt, versions 1 and 2), as CIDRs with a literal IPv4 or IPv6 address (never a
 * host name: nothing here resolves names) and a prefix within the family's width, without host
 * bits set below the prefix (so {@code 10.0.0.5/24} is refused rather than read as
 * {@code 10.0.0.0/24}). At least one, none twice. Problems are reported as {@code file:line}.
 */
final class ProxyProtocolConfig {
    private ProxyProtocolConfig() {}

    /** {@code what} is the setting's full name for messages ({@code ssh.proxy_protocol}). */
    static Optional<GatewayConfig.ProxyProtocol> parse(ConfigNode node, String what) {
        if (node == null) {
            return Optional.empty();
        }
        Map<String, ConfigNode> f = node.fields(what, Set.of("from"));
        ConfigNode from = ConfigNode.required(f, "from", node, what);
        List<ConfigNode> items = from.list(what + ".from");
        if (items.isEmpty()) {
            throw from.error(what + ".from must name at least one load balancer address as a CIDR such as 10.0.0.5/32"
                    + " (remove " + what + " to accept no PROXY header at all)");
        }
        LinkedHashSet<String> cidrs = new LinkedHashSet<>();
        List<GatewayConfig.Cidr> parsed = new ArrayList<>();
        for (ConfigNode item : items) {
            GatewayConfig.Cidr cidr = cidr(item, what + ".from");
            if (!cidrs.add(cidr.text())) {
                throw item.error(what + ".from names " + cidr.text() + " twice");
            }
            parsed.add(cidr);
        }
        return Optional.of(new GatewayConfig.ProxyProtocol(parsed));
    }

    private static GatewayConfig.Cidr cidr(ConfigNode item, String what) {
        String text = item.nonEmptyString(what);
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw item.error("'" + text + "' in " + what + " is not a CIDR such as 10.0.0.5/32 or fd00::/64");
        }
        String address = text.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null) {
            throw item.error("'" + address + "' in " + what + " is not an IPv4 or IPv6 address (host names are not"
                    + " accepted: the trust must not depend on a name lookup)");
        }
        int width = bytes.length * 8;
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw item.error("'" + text + "' in " + what + " has a prefix length that is not a number");
        }
        if (prefix < 0 || prefix > width) {
            throw item.error("'" + text + "' in " + what + ": the prefix length must be between 0 and " + width
                    + " for this address");
        }
        for (int bit = prefix; bit < width; bit++) {
            if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw item.error("'" + text + "' in " + what + " has address bits set beyond its /" + prefix
                        + " prefix; write the network address, or /" + width + " for one balancer");
            }
        }
        return new GatewayConfig.Cidr(bytes, prefix, NetUtil.bytesToIpAddress(bytes) + "/" + prefix);
    }
}
