package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.balancer.ClientAddress;
import dev.gatehouse.gateway.balancer.ProxyProtocolHandlers;
import dev.gatehouse.gateway.balancer.TrustedBalancers;
import dev.gatehouse.gateway.config.ConfigLoader;
import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.testing.ProxyHeaderRelay;
import dev.gatehouse.recorder.AuditEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code web.proxy_protocol} on the HTTPS listener's pipeline, without sockets or TLS: a channel
 * whose TCP peer is a chosen address, the PROXY handlers first ({@link ProxyProtocolHandlers}), then
 * HTTP/1.1 and the gateway's request handlers, as after the TLS handshake.
 */
class WebProxyProtocolTest extends WithWebFixture {
    private static final InetSocketAddress BALANCER = new InetSocketAddress("10.0.0.5", 41000);
    private static final String TRUSTED = "policy: p.yaml\nweb:\n  proxy_protocol: {from: [\"10.0.0.5/32\"]}\n";
    /** An app request without credentials: refused with 401 and audited as {@code app.denied} with its source. */
    private static final String PROBE = "POST /api/kernels HTTP/1.1\r\nHost: " + WebFixture.APP_HOST + "\r\ncontent-length: 0\r\n\r\n";

    private final List<Object> responses = new ArrayList<>();

    /** An {@link EmbeddedChannel} whose peer is {@code peer}; handlers are added before it registers, as the listener's are. */
    private static final class PeerChannel extends EmbeddedChannel {
        private SocketAddress peer;

        PeerChannel() {
            super(false, false);
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return peer;
        }
    }

    private PeerChannel channel(InetSocketAddress peer, String config) {
        PeerChannel ch = new PeerChannel();
        ch.peer = peer;
        Optional<TrustedBalancers> trusted = TrustedBalancers.of(
                ConfigLoader.parse(config, "gatehouse.yaml", Path.of("/etc/gatehouse")).web().proxyProtocol());
        ProxyProtocolHandlers.install(ch.pipeline(), trusted, "web.proxy_protocol");
        ch.pipeline().addLast(new HttpServerCodec(), new WebRequests(f.web), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        });
        try {
            ch.register();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return ch;
    }

    private String send(EmbeddedChannel ch, byte[]... parts) {
        for (byte[] part : parts) {
            if (ch.isOpen()) {
                ch.writeInbound(Unpooled.wrappedBuffer(part));
            }
        }
        StringBuilder out = new StringBuilder();
        for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
            responses.add(o);
            if (o instanceof ByteBuf b) {
                out.append(b.toString(StandardCharsets.ISO_8859_1));
            }
            ReferenceCountUtil.release(o);
        }
        return out.toString();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private List<String> deniedSources() {
        return f.events("app.denied").stream().map(AuditEvent::source).toList();
    }

    @Test
    void theAuditRecordsSourceIsTheClientAddressAV1HeaderNames() {
        PeerChannel ch = channel(BALANCER, TRUSTED);
        String answer = send(ch, ProxyHeaderRelay.v1("203.0.113.9", 40001, "10.0.0.1", 8443), ascii(PROBE));
        assertThat(answer).startsWith("HTTP/1.1 401");
        assertThat(ClientAddress.of(ch)).isEqualTo(new InetSocketAddress("203.0.113.9", 40001));
        assertThat(deniedSources()).containsExactly("203.0.113.9:40001");
        assertThat(ch.pipeline().names()).as("the header handlers leave once done").doesNotContain("proxy-decoder", "proxy-header");
        ch.finishAndReleaseAll();
    }

    @Test
    void aV2HeaderForAnIpv6ClientArrivingInPiecesWorksToo() {
        PeerChannel ch = channel(BALANCER, TRUSTED);
        byte[] header = ProxyHeaderRelay.v2("2001:db8::9", 40002, "fd00::1", 8443);
        String answer = send(ch, Arrays.copyOfRange(header, 0, 10), Arrays.copyOfRange(header, 10, header.length), ascii(PROBE));
        assertThat(answer).startsWith("HTTP/1.1 401");
        assertThat(deniedSources()).containsExactly("[2001:db8::9]:40002");
        ch.finishAndReleaseAll();
    }

    @Test
    void aV2LocalOrV1UnknownHeaderKeepsTheBalancersAddress() {
        PeerChannel ch = channel(BALANCER, TRUSTED);
        assertThat(send(ch, ProxyHeaderRelay.v2Local(), ascii(PROBE))).startsWith("HTTP/1.1 401");
        assertThat(deniedSources()).containsExactly("10.0.0.5:41000");
        ch.finishAndReleaseAll();

        PeerChannel unknown = channel(BALANCER, TRUSTED);
        assertThat(send(unknown, ascii("PROXY UNKNOWN\r\n"), ascii(PROBE))).as("v1 UNKNOWN: the spec says use the real peer")
                .startsWith("HTTP/1.1 401");
        assertThat(deniedSources()).containsExactly("10.0.0.5:41000", "10.0.0.5:41000");
        unknown.finishAndReleaseAll();
    }

    /**
     * Threat: a client that reaches the listener directly (not through the balancer) writes a
     * header naming someone else's address, to stand in the audit record as them or to dodge
     * per-source limits.
     */
    @Test
    void aHeaderFromAPeerThatIsNotATrustedBalancerIsRefusedUnread() {
        PeerChannel ch = channel(new InetSocketAddress("192.0.2.66", 50000), TRUSTED);
        assertThat(ch.isOpen()).as("closed as it became active").isFalse();
        assertThat(send(ch, ProxyHeaderRelay.v1("203.0.113.9", 40001, "10.0.0.1", 8443), ascii(PROBE))).isEmpty();
        assertThat(deniedSources()).isEmpty();
    }

    /** Threat: a balancer misconfigured without send-proxy makes every client look like the balancer. */
    @Test
    void aTrustedBalancerThatSendsNoHeaderIsRefused() {
        PeerChannel ch = channel(BALANCER, TRUSTED);
        assertThat(send(ch, ascii(PROBE))).isEmpty();
        assertThat(ch.isOpen()).isFalse();
        assertThat(deniedSources()).isEmpty();
    }

    @Test
    void malformedAndOversizedHeadersAreRefusedCleanly() {
        byte[] oversizedV2 = new byte[16 + 6000];
        System.arraycopy(ProxyHeaderRelay.v2("203.0.113.9", 1, "10.0.0.1", 2), 0, oversizedV2, 0, 14);
        oversizedV2[14] = (byte) 0xff; // declared address block length 65535: over the TLV bound
        oversizedV2[15] = (byte) 0xff;
        byte[] badVersion = ProxyHeaderRelay.v2("203.0.113.9", 1, "10.0.0.1", 2);
        badVersion[12] = 0x31; // version 3
        for (byte[] header : List.of(
                ascii("PROXY TCP4 203.0.113.999 10.0.0.1 40001 8443\r\n"),
                ascii("PROXY TCP4 203.0.113.9 10.0.0.1 40001\r\n"),
                ascii("PROXY UDP4 203.0.113.9 10.0.0.1 40001 8443\r\n"),
                ascii("PROXY TCP4 " + "9".repeat(200)),
                oversizedV2,
                badVersion)) {
            PeerChannel ch = channel(BALANCER, TRUSTED);
            assertThat(send(ch, header, ascii(PROBE))).as(new String(header, StandardCharsets.ISO_8859_1)).isEmpty();
            assertThat(ch.isOpen()).as(new String(header, StandardCharsets.ISO_8859_1)).isFalse();
            ch.finishAndReleaseAll();
        }
        assertThat(deniedSources()).isEmpty();
    }

    @Test
    void withoutTheSettingNoHeaderIsReadAndThePeerIsTheSource() {
        PeerChannel plain = channel(BALANCER, "policy: p.yaml\n");
        assertThat(plain.pipeline().names()).doesNotContain("proxy-peer", "proxy-decoder", "proxy-header");
        assertThat(send(plain, ascii(PROBE))).startsWith("HTTP/1.1 401");
        assertThat(deniedSources()).containsExactly("10.0.0.5:41000");
        plain.finishAndReleaseAll();

        PeerChannel withHeader = channel(BALANCER, "policy: p.yaml\n");
        assertThat(send(withHeader, ProxyHeaderRelay.v1("203.0.113.9", 40001, "10.0.0.1", 8443), ascii(PROBE)))
                .as("the header is taken for a malformed request").startsWith("HTTP/1.1 400");
        assertThat(deniedSources()).containsExactly("10.0.0.5:41000");
        withHeader.finishAndReleaseAll();
    }

    /** The handler names, without the ones EmbeddedChannel adds itself. */
    private static List<String> ours(EmbeddedChannel ch) {
        return ch.pipeline().names().stream().filter(n -> !n.startsWith("EmbeddedChannel$") && !n.startsWith("DefaultChannelPipeline$"))
                .toList();
    }

    @Test
    void theListenerPutsTheHeaderHandlersBeforeTls() {
        GatewayConfig.Web config = GatewayConfig.Web.defaults().withProxyProtocol(
                ConfigLoader.parse(TRUSTED, "gatehouse.yaml", Path.of("/etc/gatehouse")).web().proxyProtocol());
        WebFront.Parts p = f.parts;
        WebFront.Parts withProxy = new WebFront.Parts(config, p.tls(), p.site(), p.login(), p.policy(), p.holder(), p.state(),
                p.audit(), p.registry(), p.clock(), p.assertions(), p.certificates(), p.cookieKey(), p.appProxy(), 1, p.oidc(),
                p.console());
        try (WebFront front = new WebFront(withProxy); WebFront plain = new WebFront(p)) {
            PeerChannel ch = new PeerChannel();
            front.connection(ch);
            assertThat(ours(ch)).startsWith("proxy-peer", "proxy-decoder", "proxy-header", "sni");
            PeerChannel without = new PeerChannel();
            plain.connection(without);
            assertThat(ours(without)).first().isEqualTo("sni");
        }
    }
}
