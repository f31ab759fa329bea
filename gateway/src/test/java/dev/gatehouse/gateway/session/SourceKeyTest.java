package dev.gatehouse.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class SourceKeyTest {
    private static SourceKey of(String address) throws Exception {
        return SourceKey.of(new InetSocketAddress(InetAddress.getByName(address), 40000));
    }

    @Test
    void anIpv4AddressIsItsOwnSource() throws Exception {
        assertThat(of("192.0.2.7")).isEqualTo(new SourceKey("192.0.2.7"));
        assertThat(of("192.0.2.8")).isNotEqualTo(of("192.0.2.7"));
    }

    /** Threat: a host that owns a /64 dodges every per-source limit by using a new address for each attempt. */
    @Test
    void everyAddressOfAnIpv6Slash64IsOneSource() throws Exception {
        SourceKey key = of("2001:db8:1:2::1");
        assertThat(key.value()).isEqualTo("2001:db8:1:2::/64");
        assertThat(of("2001:db8:1:2:ffff:ffff:ffff:fffe")).isEqualTo(key);
        assertThat(of("2001:db8:1:3::1")).as("the next /64 is someone else").isNotEqualTo(key);
        assertThat(of("::1").value()).isEqualTo("0:0:0:0::/64");
    }

    @Test
    void anIpv4MappedIpv6AddressCountsAsItsIpv4Address() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[13] = 0;
        mapped[14] = 2;
        mapped[15] = 7;
        InetAddress v6 = java.net.Inet6Address.getByAddress(null, mapped, -1);
        assertThat(SourceKey.of(v6)).isEqualTo(new SourceKey("192.0.2.7"));
    }

    @Test
    void aSocketThatIsNotIpIsKeyedByItsText() {
        assertThat(SourceKey.of(new java.net.SocketAddress() {
            @Override
            public String toString() {
                return "local:pipe";
            }
        })).isEqualTo(new SourceKey("local:pipe"));
    }
}
