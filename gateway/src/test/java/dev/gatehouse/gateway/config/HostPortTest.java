package dev.gatehouse.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class HostPortTest {
    @Test
    void ipv6AddressesAreBracketedAndShortened() throws Exception {
        assertThat(HostPort.format(new InetSocketAddress(InetAddress.getByName("::1"), 3423))).isEqualTo("[::1]:3423");
        assertThat(HostPort.format(new InetSocketAddress(InetAddress.getByName("2001:DB8:0:0:1:0:0:1"), 22)))
                .as("RFC 5952 4.2.3: the first of two equal runs").isEqualTo("[2001:db8::1:0:0:1]:22");
        assertThat(HostPort.format(new InetSocketAddress(InetAddress.getByName("2001:db8:0:1:1:1:1:1"), 22)))
                .as("RFC 5952 4.2.2: one zero group stays").isEqualTo("[2001:db8:0:1:1:1:1:1]:22");
        assertThat(HostPort.format(new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:1:0:0:0"), 22)))
                .as("RFC 5952 4.2.3: the longest run").isEqualTo("[2001:db8:0:0:1::]:22");
        assertThat(HostPort.format(new InetSocketAddress(InetAddress.getByName("::"), 0))).isEqualTo("[::]:0");
        assertThat(HostPort.format(new InetSocketAddress(InetAddress.getByName("fe80::0a:1"), 7))).isEqualTo("[fe80::a:1]:7");
    }

    @Test
    void ipv4AndNamesStayAsTheyAre() throws Exception {
        assertThat(HostPort.format(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 2222))).isEqualTo("127.0.0.1:2222");
        assertThat(HostPort.format(InetSocketAddress.createUnresolved("gpu-node-1.example", 22))).isEqualTo("gpu-node-1.example:22");
        assertThat(HostPort.format("10.0.0.11", 22)).isEqualTo("10.0.0.11:22");
        assertThat(HostPort.format("gpu-node-1", 22)).isEqualTo("gpu-node-1:22");
    }

    @Test
    void ipv4MappedAddressesReadAsIpv4() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 7};
        assertThat(HostPort.literal(java.net.Inet6Address.getByAddress(null, mapped, -1))).isEqualTo("192.0.2.7");
    }

    @Test
    void configuredIpv6LiteralsAreShortenedAndBracketed() {
        assertThat(HostPort.format("0:0:0:0:0:0:0:1", 22)).isEqualTo("[::1]:22");
        assertThat(HostPort.format("::1", 22)).isEqualTo("[::1]:22");
        assertThat(HostPort.format(InetSocketAddress.createUnresolved("::1", 2222))).isEqualTo("[::1]:2222");
    }
}
