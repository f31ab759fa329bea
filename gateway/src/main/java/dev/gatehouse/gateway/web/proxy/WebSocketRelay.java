package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.web.AppSessionContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Relays a WebSocket connection's raw bytes both ways after the app's {@code 101}, with no HTTP
 * codec on either side, counting frames with a {@link FrameCounter} per direction. Flow control as
 * for HTTP: the client is read again only when its last bytes were written to the app; the app's
 * next chunk is asked for only when the client took the last one and is writable. Either side
 * ending closes the other; the end is one {@code app.websocket} phase=close event.
 */
final class WebSocketRelay extends ChannelInboundHandlerAdapter implements Upstream.Sink {
    private final Upstream upstream;
    private final AppSessionContext session;
    private final ProxyAudit audit;
    private final String path;
    private final FrameCounter in = new FrameCounter();
    private final FrameCounter out = new FrameCounter();
    private final ArrayDeque<ByteBuf> fromClient = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Instant opened;
    private boolean started;
    private boolean writing;
    private final ClientPace pace = new ClientPace();
    private boolean ended;

    WebSocketRelay(Upstream upstream, AppSessionContext session, ProxyAudit audit, String path) {
        this.upstream = upstream;
        this.session = session;
        this.audit = audit;
        this.path = path;
    }

    /**
     * Replaces {@code proxy} in its pipeline with a relay for {@code from}, once the app's 101 has
     * been written to the client ({@code headWritten}): removes the client's {@link HttpServerCodec}
     * (what it still holds arrives here as bytes), drops the app side's codec, and starts with
     * what the app sent after its 101 ({@code rest}: the 101's empty end, then raw bytes) and the
     * chunk's {@code more}.
     */
    static void takeOver(ChannelHandlerContext ctx, ChannelHandler proxy, Upstream from, AppSessionContext session, ProxyAudit audit,
            String path, ChannelFuture headWritten, List<Object> rest, Runnable more) {
        CompositeByteBuf early = ctx.alloc().compositeBuffer();
        for (Object o : rest) {
            keepBytes(early, o);
        }
        rest.clear();
        for (Object o : from.dropCodec()) {
            keepBytes(early, o);
        }
        WebSocketRelay relay = new WebSocketRelay(from, session, audit, path);
        from.sink(relay);
        ctx.pipeline().replace(proxy, "gatehouse-websocket", relay);
        HttpServerCodec codec = ctx.pipeline().get(HttpServerCodec.class);
        if (codec != null) {
            ctx.pipeline().remove(codec);
        }
        relay.start(headWritten, early, more);
    }

    private static void keepBytes(CompositeByteBuf into, Object o) {
        if (o instanceof ByteBuf b) {
            into.addComponent(true, b);
        } else {
            ReferenceCountUtil.release(o);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Starts relaying once the 101 is on its way: {@code early} holds the app's bytes that came with
     * the 101, {@code more} asks the app for its next chunk.
     */
    private void start(ChannelFuture headWritten, ByteBuf early, Runnable more) {
        started = true;
        opened = audit.now();
        audit.webSocketOpen(session, path);
        if (early.isReadable()) {
            onData(upstream, early, more);
        } else {
            early.release();
            ctx.flush();
            headWritten.addListener(f -> {
                if (f.isSuccess()) {
                    more.run();
                }
            });
        }
        writeNext();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ended || !(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        fromClient.add(buf);
        if (started) {
            writeNext();
        }
    }

    /** Writes what the client sent (all of one read, as one write) to the app, then reads the client again. */
    private void writeNext() {
        if (ended || writing) {
            return;
        }
        if (fromClient.isEmpty()) {
            ctx.read();
            return;
        }
        CompositeByteBuf batch = ctx.alloc().compositeBuffer();
        for (ByteBuf b; (b = fromClient.poll()) != null; ) {
            batch.addComponent(true, b);
        }
        in.accept(batch);
        long n = batch.readableBytes();
        writing = true;
        upstream.write(batch).whenComplete((ok, err) -> ctx.executor().execute(() -> {
            writing = false;
            if (err != null) {
                end();
                return;
            }
            session.count(0, n, 0);
            writeNext();
        }));
    }

    @Override
    public void onData(Upstream from, ByteBuf data, Runnable more) {
        if (ended) {
            data.release();
            return;
        }
        out.accept(data);
        long n = data.readableBytes();
        ctx.writeAndFlush(data).addListener(f -> {
            if (!f.isSuccess()) {
                end();
                return;
            }
            session.count(0, 0, n);
            pace.whenWritable(ctx.channel(), more);
        });
    }

    @Override
    public void onEnd(Upstream from) {
        // Close once what the app sent last (its Close frame) has gone out.
        ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(ChannelFutureListener.CLOSE);
        end(false);
    }

    @Override
    public void onFailure(Upstream from, Throwable cause) {
        end();
        ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        pace.writabilityChanged(ctx.channel());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        end();
        ctx.close();
    }

    /** Closes the app's side, releases what is queued and audits the close, once. */
    private void end() {
        end(true);
    }

    private void end(boolean closeNow) {
        if (ended) {
            return;
        }
        ended = true;
        fromClient.forEach(ReferenceCountUtil::release);
        fromClient.clear();
        upstream.close();
        if (started) {
            audit.webSocketClose(session, path, opened, in, out);
        }
        if (closeNow) {
            ctx.close();
        }
    }
}
