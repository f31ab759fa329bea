package dev.gatehouse.gateway.balancer;

import io.netty.channel.Channel;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import java.net.SocketAddress;

/**
 * The client's address on the HTTPS listener: the one place the web side asks for it. It is the
 * address a trusted balancer's PROXY header named ({@link ProxyProtocolHandlers}), else the TCP
 * peer's. On an HTTP/2 stream it is its connection's.
 */
public final class ClientAddress {
    /** Set on the connection's channel when a PROXY header named the client. */
    static final AttributeKey<SocketAddress> KEY = AttributeKey.valueOf("gatehouse.client-address");

    private ClientAddress() {}

    /** The client's address of {@code channel} (a connection or one of its HTTP/2 streams); null when the channel has no peer. */
    public static SocketAddress of(Channel channel) {
        Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
        SocketAddress fromHeader = connection.attr(KEY).get();
        return fromHeader != null ? fromHeader : connection.remoteAddress();
    }
}
