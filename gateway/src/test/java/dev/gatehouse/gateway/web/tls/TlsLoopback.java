package dev.gatehouse.gateway.web.tls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real TLS server on a loopback port (Netty, the context under test) and a JDK
 * {@link SSLSocket} client; each accepted connection's server-side handshake outcome is queued.
 */
final class TlsLoopback implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final LinkedBlockingQueue<CompletableFuture<SSLSession>> handshakes = new LinkedBlockingQueue<>();

    TlsLoopback(SslContext context) throws InterruptedException {
        this(context, false);
    }

    /** @param httpOk answer the first read with {@code HTTP/1.1 200} and body {@code ok}, then close; else echo */
    TlsLoopback(SslContext context, boolean httpOk) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = context.newHandler(ch.alloc());
                        CompletableFuture<SSLSession> outcome = new CompletableFuture<>();
                        handshakes.add(outcome);
                        ssl.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                outcome.complete(ssl.engine().getSession());
                            } else {
                                outcome.completeExceptionally(f.cause());
                            }
                        });
                        ch.pipeline().addLast(ssl, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (!httpOk) {
                                    ctx.writeAndFlush(msg); // echo, so the client can see the connection works
                                    return;
                                }
                                io.netty.util.ReferenceCountUtil.release(msg);
                                ctx.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer(
                                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                                        java.nio.charset.StandardCharsets.US_ASCII))
                                        .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The server side's handshake outcome of the next accepted connection. */
    CompletableFuture<SSLSession> nextHandshake() throws InterruptedException {
        CompletableFuture<SSLSession> next = handshakes.poll(10, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("no connection reached the server");
        }
        return next;
    }

    /**
     * A connected, not yet handshaken client socket for {@code sniHost}, trusting {@code trusted},
     * verifying the host name, offering {@code protocols} and ALPN {@code alpn}.
     */
    SSLSocket client(String sniHost, X509Certificate trusted, List<String> protocols, List<String> alpn,
            PrivateKey clientKey, X509Certificate... clientChain) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientKey != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", clientKey, "x".toCharArray(), clientChain);
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "x".toCharArray());
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port());
        socket.setSoTimeout(10_000);
        SSLParameters params = socket.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(sniHost)));
        params.setEndpointIdentificationAlgorithm("HTTPS");
        params.setProtocols(protocols.toArray(String[]::new));
        params.setApplicationProtocols(alpn.toArray(String[]::new));
        socket.setSSLParameters(params);
        return socket;
    }

    static X509Certificate parse(byte[] der) throws Exception {
        return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
