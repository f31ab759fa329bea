package dev.gatehouse.gateway.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * A stand-in for a load balancer in TCP mode with {@code send-proxy}: accepts connections on a
 * loopback port, connects to the target, writes a PROXY protocol header there first, then relays
 * both ways. Shared with the end-to-end tests through the gateway module's test jar. Headers are
 * made with Netty's encoder ({@link #v2}) or written as text ({@link #v1}).
 */
public final class ProxyHeaderRelay implements AutoCloseable {
    private final ServerSocket socket;

    /** Relays to {@code 127.0.0.1:targetPort}, writing {@code header.get()} first on each connection. */
    public ProxyHeaderRelay(int targetPort, Supplier<byte[]> header) throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    Thread relay = new Thread(() -> relay(client, targetPort, header.get()));
                    relay.setDaemon(true);
                    relay.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "proxy-header-relay");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** A version 1 header: {@code PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n}. */
    public static byte[] v1(String sourceIp, int sourcePort, String destinationIp, int destinationPort) {
        String family = sourceIp.contains(":") ? "TCP6" : "TCP4";
        return ("PROXY " + family + " " + sourceIp + " " + destinationIp + " " + sourcePort + " " + destinationPort + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A version 2 PROXY header for a TCP client, as Netty's encoder writes it. */
    public static byte[] v2(String sourceIp, int sourcePort, String destinationIp, int destinationPort) {
        HAProxyProxiedProtocol protocol = sourceIp.contains(":") ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4;
        return encode(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, protocol, sourceIp, destinationIp,
                sourcePort, destinationPort));
    }

    /** A version 2 LOCAL header, what a balancer's health check sends. */
    public static byte[] v2Local() {
        return encode(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN,
                null, null, 0, 0));
    }

    private static byte[] encode(HAProxyMessage message) {
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        try {
            ch.writeOutbound(message);
            ByteBuf out = ch.readOutbound();
            try {
                return ByteBufUtil.getBytes(out);
            } finally {
                out.release();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static void relay(Socket client, int targetPort, byte[] header) {
        try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
            upstream.setTcpNoDelay(true);
            upstream.getOutputStream().write(header);
            upstream.getOutputStream().flush();
            Thread up = new Thread(() -> pipe(client, upstream));
            up.setDaemon(true);
            up.start();
            pipe(upstream, client);
            up.join();
        } catch (IOException e) {
            // one side went away: the other is closed with the sockets
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buf = new byte[16 * 1024];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
