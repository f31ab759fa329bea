package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.web.AppStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * One {@link AppStream} to the app and the HTTP/1.1 client codec that speaks over it.
 *
 * <p>Implementation notes: the codec ({@link HttpClientCodec}, which pairs each response with its
 * request's method, so HEAD and CONNECT answers parse right) runs in an {@link EmbeddedChannel}
 * driven only from the client channel's event loop: encoding a request object yields bytes for
 * {@link AppStream#write}, and the app's bytes decode into response objects, all synchronously on
 * that loop. No second real channel, no locks. The stream's callbacks, which come on the
 * transport's threads, hop to that loop before they reach the {@link Sink}. After a WebSocket
 * {@code 101} the codec is dropped and bytes pass raw.
 */
final class Upstream implements AppStream.Reader {
    /** Response heads of real apps exceed Netty's 8 KiB default (Jupyter's CSP, cookies). */
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    /** Where the app's bytes go; every call is on the client channel's event loop. */
    interface Sink {
        void onData(Upstream from, ByteBuf data, Runnable more);

        void onEnd(Upstream from);

        void onFailure(Upstream from, Throwable cause);
    }

    private final AppStream stream;
    private final EventExecutor loop;
    private final ByteBufAllocator alloc;
    private EmbeddedChannel codec;
    private volatile Sink sink;
    private volatile boolean closed;

    Upstream(AppStream stream, EventExecutor loop, ByteBufAllocator alloc, Sink sink) {
        this.stream = stream;
        this.loop = loop;
        this.alloc = alloc;
        this.sink = sink;
        this.codec = new EmbeddedChannel(new HttpClientCodec(
                new HttpDecoderConfig().setMaxHeaderSize(MAX_HEADER_BYTES).setMaxInitialLineLength(16 * 1024), false, false));
    }

    /** Starts reading the app's bytes. */
    void start() {
        stream.read(this);
    }

    /** Sends the bytes from now on to {@code next} (the WebSocket relay). */
    void sink(Sink next) {
        this.sink = next;
    }

    String describe() {
        return stream.describe();
    }

    /** The bytes of {@code msg} as HTTP/1.1 (ownership of {@code msg} passes to the codec). */
    ByteBuf encode(HttpObject msg) {
        codec.writeOutbound(msg);
        CompositeByteBuf out = alloc.compositeBuffer();
        for (Object o; (o = codec.readOutbound()) != null; ) {
            out.addComponent(true, (ByteBuf) o);
        }
        return out;
    }

    /** The response objects (and, after a 101, raw {@link ByteBuf}s) that {@code data} completes. */
    List<Object> decode(ByteBuf data) {
        codec.writeInbound(data);
        return drain();
    }

    /** Ends decoding at the app's EOF: a close-delimited body (RFC 9112 section 6.3) ends here. */
    List<Object> finish() {
        if (codec == null) {
            return List.of();
        }
        codec.finish();
        List<Object> out = drain();
        codec = null;
        return out;
    }

    /** Drops the HTTP codec (after a WebSocket 101); what it still held is returned as raw bytes. */
    List<Object> dropCodec() {
        List<Object> rest = drain();
        codec.finishAndReleaseAll();
        codec = null;
        return rest;
    }

    private List<Object> drain() {
        List<Object> out = new ArrayList<>();
        for (Object o; (o = codec.readInbound()) != null; ) {
            out.add(o);
        }
        return out;
    }

    /** {@link AppStream#write}: one write outstanding at a time. */
    CompletableFuture<Void> write(ByteBuf data) {
        if (closed) {
            ReferenceCountUtil.release(data);
            return CompletableFuture.failedFuture(new IllegalStateException("the stream to the app is closed"));
        }
        return stream.write(data);
    }

    boolean closed() {
        return closed;
    }

    /** Closes the stream and the codec; idempotent. Call on the loop. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        stream.close();
        if (codec != null) {
            codec.finishAndReleaseAll();
            codec = null;
        }
    }

    @Override
    public void onData(ByteBuf data, Runnable more) {
        hop(() -> {
            if (closed) {
                data.release();
            } else {
                sink.onData(this, data, more);
            }
        }, data);
    }

    @Override
    public void onEnd() {
        hop(() -> {
            if (!closed) {
                sink.onEnd(this);
            }
        }, null);
    }

    @Override
    public void onFailure(Throwable cause) {
        hop(() -> {
            if (!closed) {
                sink.onFailure(this, cause);
            }
        }, null);
    }

    private void hop(Runnable task, ByteBuf owned) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            ReferenceCountUtil.release(owned);
            stream.close();
        }
    }
}
