package dev.gatehouse.gateway.balancer;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.ipfilter.AbstractRemoteAddressFilter;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PROXY protocol at the head of a Netty listener's pipeline ({@code web.proxy_protocol}):
 * <ol>
 *   <li>a connection whose TCP peer is not a {@link TrustedBalancers trusted balancer} is closed
 *       before a byte is read (threat: a client writing a header that names someone else's address,
 *       which would then stand in the audit record and dodge per-source limits);
 *   <li>Netty's {@link HAProxyMessageDecoder} reads the header (version 1 or 2, at most
 *       {@value ProxyHeader#MAX_TLV_BYTES} TLV bytes); anything else as the first bytes closes the
 *       connection, with a log line;
 *   <li>the client address it names is kept for {@link ClientAddress#of}; a LOCAL command (the
 *       balancer's health check) keeps the balancer's own address. Both handlers then leave the pipeline.
 * </ol>
 */
public final class ProxyProtocolHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocolHandlers.class);

    private ProxyProtocolHandlers() {}

    /**
     * Puts the handlers first in {@code pipeline} when {@code balancers} is set; does nothing
     * otherwise (no header is read). Call from the connection's initializer, before it is active.
     *
     * @param listener the setting's name for log lines ({@code web.proxy_protocol})
     */
    public static void install(ChannelPipeline pipeline, Optional<TrustedBalancers> balancers, String listener) {
        if (balancers.isEmpty()) {
            return;
        }
        TrustedBalancers trusted = balancers.get();
        pipeline.addFirst("proxy-header", new HeaderHandler(listener, trusted));
        pipeline.addFirst("proxy-decoder", new HAProxyMessageDecoder(ProxyHeader.MAX_TLV_BYTES));
        pipeline.addFirst("proxy-peer", new PeerFilter(listener, trusted));
    }

    /** Refuses peers that are not trusted balancers (Netty closes the channel). */
    private static final class PeerFilter extends AbstractRemoteAddressFilter<InetSocketAddress> {
        private final String listener;
        private final TrustedBalancers trusted;

        PeerFilter(String listener, TrustedBalancers trusted) {
            this.listener = listener;
            this.trusted = trusted;
        }

        @Override
        protected boolean accept(ChannelHandlerContext ctx, InetSocketAddress remote) {
            return trusted.trusts(remote);
        }

        @Override
        protected ChannelFuture channelRejected(ChannelHandlerContext ctx, InetSocketAddress remote) {
            LOG.warn("connection from {} refused: not a load balancer trusted to send a PROXY header ({}.from: {})",
                    remote, listener, trusted);
            return null; // the filter closes the channel
        }
    }

    /** Keeps the client address of the decoded header, logs and closes on a bad one. */
    private static final class HeaderHandler extends ChannelInboundHandlerAdapter {
        private final String listener;
        private final TrustedBalancers trusted;

        HeaderHandler(String listener, TrustedBalancers trusted) {
            this.listener = listener;
            this.trusted = trusted;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HAProxyMessage header)) {
                ReferenceCountUtil.release(msg);
                refuse(ctx, "data before a PROXY header");
                return;
            }
            try {
                Optional<InetSocketAddress> client = ProxyHeader.client(header);
                client.ifPresent(address -> ctx.channel().attr(ClientAddress.KEY).set(address));
                LOG.debug("{}: connection from balancer {}: {}", listener, ctx.channel().remoteAddress(), ProxyHeader.describe(header));
                ctx.pipeline().remove(this);
            } catch (ProxyHeader.ProxyHeaderException e) {
                refuse(ctx, e.getMessage());
            } finally {
                header.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof HAProxyProtocolException) {
                refuse(ctx, ProxyHeader.reasonOf(cause));
                return;
            }
            ctx.fireExceptionCaught(cause);
        }

        private void refuse(ChannelHandlerContext ctx, String why) {
            LOG.warn("connection from balancer {} closed: no valid PROXY protocol header ({}); {} requires one on every"
                    + " connection from {}", ctx.channel().remoteAddress(), why, listener, trusted);
            ctx.close();
        }
    }
}
