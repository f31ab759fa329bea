package dev.gatehouse.gateway.balancer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The PROXY protocol header a trusted load balancer puts before a connection's first byte
 * (HAProxy's proxy-protocol.txt, https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt:
 * version 1, section 2.1, a text line of at most 107 bytes; version 2, section 2.2, a 16-byte binary
 * prefix and an address block). Parsing is Netty's {@link HAProxyMessageDecoder}, never our own: the
 * Netty listener runs it in its pipeline, and {@link #parse} runs it over the first bytes of an SSH
 * connection (MINA has no PROXY parser of its own).
 *
 * <p>Bounds: a version 1 line of at most 107 bytes plus CRLF; a version 2 header of at most
 * 16 + 216 address bytes + {@value #MAX_TLV_BYTES} bytes of TLVs (section 2.2.7). Anything
 * larger, or malformed, is refused.
 */
public final class ProxyHeader {
    /** TLV bytes (section 2.2.7) a version 2 header may carry; HAProxy sends none unless told to. */
    public static final int MAX_TLV_BYTES = 4096;
    /** The largest header {@link #parse} accepts: version 2's fixed part, largest address block, TLVs. */
    static final int MAX_HEADER_BYTES = 16 + 216 + MAX_TLV_BYTES;

    private ProxyHeader() {}

    /**
     * A decoded header.
     *
     * @param length its length in bytes, CRLF included; the connection's own data starts after it
     * @param client the client's address and port it names; empty for what keeps the balancer's own
     *     address: a version 2 LOCAL command (the balancer's health checks, section 2.2), a version 1
     *     {@code UNKNOWN} or version 2 {@code UNSPEC} family (the spec says to use the real connection's
     *     endpoints), a {@code UNIX} family
     * @param description what it said, for logs ({@code v2 PROXY TCP4 192.0.2.7:51234})
     */
    public record Parsed(int length, Optional<InetSocketAddress> client, String description) {}

    /**
     * Decodes the header at the start of {@code bytes[offset, offset + length)}.
     *
     * @return the header, or empty when these bytes are a valid beginning of one but more are needed
     * @throws ProxyHeaderException when they are not a PROXY header (no signature, a malformed line or
     *     structure, an unsupported version or command, an address that does not parse, a UDP client),
     *     or the header is longer than the bounds above
     */
    public static Optional<Parsed> parse(byte[] bytes, int offset, int length) throws ProxyHeaderException {
        int taken = Math.min(length, MAX_HEADER_BYTES + 1); // one byte past the bound makes the decoder refuse
        EmbeddedChannel channel = new EmbeddedChannel(new HAProxyMessageDecoder(MAX_TLV_BYTES));
        try {
            try {
                channel.writeInbound(Unpooled.copiedBuffer(bytes, offset, taken));
            } catch (DecoderException e) {
                throw new ProxyHeaderException(reasonOf(e), e);
            }
            Object first = channel.readInbound();
            if (first == null) {
                return Optional.empty();
            }
            if (!(first instanceof HAProxyMessage message)) {
                ReferenceCountUtil.release(first);
                throw new ProxyHeaderException("the decoder gave " + first.getClass().getSimpleName() + ", not a header");
            }
            try {
                int rest = 0;
                for (Object more = channel.readInbound(); more != null; more = channel.readInbound()) {
                    rest += more instanceof ByteBuf b ? b.readableBytes() : 0;
                    ReferenceCountUtil.release(more);
                }
                return Optional.of(new Parsed(taken - rest, client(message), describe(message)));
            } finally {
                message.release();
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    /**
     * The client address a decoded header names, as {@link Parsed#client} explains.
     *
     * @throws ProxyHeaderException for a UDP client (the listeners are TCP) or an address that is not an IP literal
     */
    public static Optional<InetSocketAddress> client(HAProxyMessage message) throws ProxyHeaderException {
        if (message.command() == HAProxyCommand.LOCAL) {
            return Optional.empty();
        }
        switch (message.proxiedProtocol()) {
            case TCP4, TCP6 -> {
                byte[] address = NetUtil.createByteArrayFromIpAddressString(message.sourceAddress());
                if (address == null) {
                    throw new ProxyHeaderException("source address '" + message.sourceAddress() + "' is not an IP address");
                }
                try {
                    return Optional.of(new InetSocketAddress(InetAddress.getByAddress(address), message.sourcePort()));
                } catch (UnknownHostException e) {
                    throw new ProxyHeaderException("source address '" + message.sourceAddress() + "' is not an IP address", e);
                }
            }
            case UDP4, UDP6 -> throw new ProxyHeaderException("the header names a UDP client; this listener is TCP");
            default -> {
                return Optional.empty(); // UNKNOWN / UNSPEC, UNIX_STREAM, UNIX_DGRAM: the balancer's own address stands
            }
        }
    }

    /** {@code v1 PROXY TCP4 192.0.2.7:51234}, {@code v2 LOCAL}: for logs. */
    public static String describe(HAProxyMessage message) {
        String version = switch (message.protocolVersion()) {
            case V1 -> "v1";
            case V2 -> "v2";
        };
        if (message.command() == HAProxyCommand.LOCAL) {
            return version + " LOCAL";
        }
        String source = message.sourceAddress() == null ? "" : " " + message.sourceAddress() + ":" + message.sourcePort();
        return version + " PROXY " + message.proxiedProtocol() + source;
    }

    /**
     * Text for a decoder failure, for logs: the innermost message (Netty wraps its causes, whose
     * text then starts with their class name), or the class when there is none.
     */
    public static String reasonOf(Throwable e) {
        String reason = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                reason = t.getMessage();
            }
        }
        if (reason == null) {
            return e.getClass().getSimpleName();
        }
        return reason.replaceFirst("^([A-Za-z_$][\\w$]*\\.)+[A-Za-z_$][\\w$]*(Exception|Error): ", "");
    }

    /** The bytes a connection began with are not an acceptable PROXY protocol header. */
    public static final class ProxyHeaderException extends Exception {
        private static final long serialVersionUID = 1L;

        public ProxyHeaderException(String message) {
            super(message);
        }

        public ProxyHeaderException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
