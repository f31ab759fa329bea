package dev.gatehouse.gateway.web.upstream;

import dev.gatehouse.gateway.web.AppStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link AppStream} over a Netty client channel (TCP, or TLS over it) with {@code autoRead}
 * off. A write completes when Netty has written the bytes to the socket (the kernel's send buffer
 * is the window). The app's bytes are read only on demand: {@code channel.read()} is issued when
 * the reader has called {@code more} and nothing is pending, and what one read produces (TLS may
 * decode several records from it) is handed over as one chunk; so the stream holds at most one
 * read's worth of bytes and the reader at most one chunk. EOF (TCP FIN, or TLS close_notify and
 * the connection's close) is told after the last chunk.
 *
 * <p>It is the last handler of the channel's pipeline; every method may be called from any
 * thread and hops to the channel's event loop.
 */
final class TcpAppStream extends ChannelInboundHandlerAdapter implements AppStream {
    private final Channel channel;
    private final String describe;
    private final AtomicBoolean reading = new AtomicBoolean();
    // the fields below are touched on the event loop only
    private Reader reader;
    /** Bytes read but not yet handed over (null when none). */
    private ByteBuf pending;
    /** The reader asked for more and has nothing. */
    private boolean demand;
    /** No more bytes will come from the app. */
    private boolean ended;
    private Throwable failure;
    private boolean told;

    TcpAppStream(Channel channel, String describe) {
        this.channel = channel;
        this.describe = describe;
    }

    @Override
    public CompletableFuture<Void> write(ByteBuf data) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        channel.writeAndFlush(data).addListener(f -> {
            if (f.isSuccess()) {
                done.complete(null);
            } else {
                done.completeExceptionally(f.cause() != null ? f.cause() : new IOException("the connection closed"));
            }
        });
        return done;
    }

    @Override
    public void read(Reader r) {
        if (!reading.compareAndSet(false, true)) {
            throw new IllegalStateException("read() was already called on " + describe);
        }
        channel.eventLoop().execute(() -> {
            reader = r;
            demand = true;
            drain();
        });
    }

    /** Hands the pending chunk, the end or the failure to a reader that asked; else reads more. */
    private void drain() {
        if (!demand || told) {
            return;
        }
        if (pending != null) {
            ByteBuf chunk = pending;
            pending = null;
            demand = false;
            AtomicBoolean asked = new AtomicBoolean();
            reader.onData(chunk, () -> {
                if (!asked.compareAndSet(false, true)) {
                    throw new IllegalStateException("more was called twice for one chunk of " + describe);
                }
                channel.eventLoop().execute(() -> {
                    demand = true;
                    drain();
                });
            });
            return;
        }
        if (failure != null) {
            told = true;
            reader.onFailure(failure);
        } else if (ended) {
            told = true;
            reader.onEnd();
        } else {
            channel.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data = (ByteBuf) msg;
        if (told || !data.isReadable()) {
            data.release();
            return;
        }
        if (pending == null) {
            pending = data;
        } else {
            CompositeByteBuf both = pending instanceof CompositeByteBuf c ? c : ctx.alloc().compositeBuffer().addComponent(true, pending);
            pending = both.addComponent(true, data);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (pending != null) {
            drain();
        } else if (demand && !ended && failure == null) {
            // a read that produced nothing for us (a TLS record still incomplete): read on
            ctx.read();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            ended = true;
            drain();
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ended = true;
        drain();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        ctx.close();
        drain();
    }


    @Override
    public void shutdownOutput() {
        channel.eventLoop().execute(() -> {
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            if (tls != null) {
                // close_notify: the TLS half-close (RFC 8446 section 6.1)
                tls.closeOutbound();
            } else if (channel instanceof SocketChannel socket) {
                socket.shutdownOutput();
            }
        });
    }

    /** Closes the connection; bytes not yet handed over are dropped (until then they are kept, even past the app's close). */
    @Override
    public void close() {
        channel.close();
        try {
            channel.eventLoop().execute(() -> {
                told = true;
                if (pending != null) {
                    pending.release();
                    pending = null;
                }
            });
        } catch (RejectedExecutionException e) {
            // the event loop is gone, and the channel with it
        }
    }

    @Override
    public String describe() {
        return describe;
    }
}
