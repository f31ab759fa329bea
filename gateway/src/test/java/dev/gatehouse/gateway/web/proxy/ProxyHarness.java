package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.web.AppConnector;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.gateway.web.AppSessionContext;
import dev.gatehouse.gateway.web.AppStream;
import dev.gatehouse.pki.testing.TestClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A client connection in an {@link EmbeddedChannel} as the web front builds it ({@link HttpServerCodec},
 * then {@link AppProxyHandler}, the session set on the channel), with the app played by
 * {@link FakeAppStream}s. The client's socket is a {@link ClientSocket} at the pipeline's head that
 * counts read requests and can hold writes (a client that does not read).
 */
final class ProxyHarness {
    final TestClock clock = new TestClock();
    final MemoryAuditStore store = new MemoryAuditStore();
    final FakeSession session;
    final Connector connector = new Connector();
    final ClientSocket socket = new ClientSocket();
    final EmbeddedChannel channel;

    ProxyHarness() {
        this(new FakeSession());
    }

    ProxyHarness(FakeSession session) {
        this.session = session;
        channel = new EmbeddedChannel();
        channel.attr(AppSessionContext.ATTR).set(session);
        channel.pipeline().addLast(socket, new HttpServerCodec(),
                new AppProxyHandler(connector, new AuditTrail(store, clock, true), clock, "gw.example", 8443));
    }

    /** The client sends {@code text}; then the proxy's hops run. */
    void client(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
    }

    void clientBytes(ByteBuf bytes) {
        channel.writeInbound(bytes);
        channel.runPendingTasks();
    }

    /** The app sends {@code text} on stream {@code app}; then the proxy's hops run. */
    void app(FakeAppStream app, String text) {
        app.send(text);
        channel.runPendingTasks();
    }

    /** Everything written to the client since the last call, as ISO-8859-1 text. */
    String toClient() {
        return new String(toClientBytes(), StandardCharsets.ISO_8859_1);
    }

    byte[] toClientBytes() {
        channel.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.writeBytes(bytes);
            b.release();
        }
        return out.toByteArray();
    }

    /** Hands out prepared streams (or failures) in order and counts the opens. */
    static final class Connector implements AppConnector {
        final ArrayDeque<CompletableFuture<AppStream>> next = new ArrayDeque<>();
        final List<AppRoute> opened = new ArrayList<>();

        FakeAppStream willOpen() {
            FakeAppStream s = new FakeAppStream();
            next.add(CompletableFuture.completedFuture(s));
            return s;
        }

        void willFail(Throwable cause) {
            next.add(CompletableFuture.failedFuture(cause));
        }

        @Override
        public CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId) {
            opened.add(route);
            CompletableFuture<AppStream> f = next.poll();
            return f != null ? f : CompletableFuture.failedFuture(new IllegalStateException("no stream prepared"));
        }

        @Override
        public void close() {}
    }

    /** The client's end of the socket: counts {@code read()} calls; with {@link #hold} set, writes wait until {@link #drain}. */
    static final class ClientSocket extends ChannelOutboundHandlerAdapter {
        int reads;
        boolean hold;
        private final List<Object[]> held = new ArrayList<>();

        @Override
        public void read(ChannelHandlerContext ctx) {
            reads++;
            ctx.read();
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (hold) {
                held.add(new Object[] {ctx, msg, promise});
            } else {
                ctx.write(msg, promise);
            }
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (!hold) {
                ctx.flush();
            }
        }

        /** The client reads again: held writes complete. */
        void drain() {
            hold = false;
            ChannelHandlerContext last = null;
            for (Object[] w : held) {
                last = (ChannelHandlerContext) w[0];
                last.write(w[1], (ChannelPromise) w[2]);
            }
            held.clear();
            if (last != null) {
                last.flush();
            }
        }
    }
}
