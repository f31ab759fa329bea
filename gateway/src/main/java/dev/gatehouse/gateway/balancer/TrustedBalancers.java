package dev.gatehouse.gateway.balancer;

import dev.gatehouse.gateway.config.GatewayConfig;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

/**
 * The load balancers a listener takes a PROXY protocol header from ({@code ssh.proxy_protocol.from},
 * {@code web.proxy_protocol.from}). Matching is Netty's {@link IpSubnetFilterRule}; an IPv4 network
 * matches IPv4 peers, an IPv6 network IPv6 peers.
 */
public final class TrustedBalancers {
    private final List<IpSubnetFilterRule> rules;
    private final String text;

    private TrustedBalancers(GatewayConfig.ProxyProtocol config) {
        this.rules = config.from().stream().map(TrustedBalancers::rule).toList();
        this.text = String.join(", ", config.texts());
    }

    /** The trusted balancers of a listener, or empty when it reads no PROXY header. */
    public static Optional<TrustedBalancers> of(Optional<GatewayConfig.ProxyProtocol> config) {
        return config.map(TrustedBalancers::new);
    }

    /** Whether {@code peer} (the TCP peer of a connection) is one of the trusted balancers; false for anything not IP. */
    public boolean trusts(SocketAddress peer) {
        if (!(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return false;
        }
        for (IpSubnetFilterRule rule : rules) {
            if (rule.matches(inet)) {
                return true;
            }
        }
        return false;
    }

    /** The configured CIDRs, comma-separated, for messages. */
    @Override
    public String toString() {
        return text;
    }

    private static IpSubnetFilterRule rule(GatewayConfig.Cidr cidr) {
        try {
            // a literal address of 4 or 16 bytes: no name lookup
            return new IpSubnetFilterRule(InetAddress.getByAddress(cidr.address()), cidr.prefix(), IpFilterRuleType.ACCEPT);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + cidr, e);
        }
    }
}
