package dev.gatehouse.gateway.web.upstream;

import dev.gatehouse.gateway.web.AppStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * An {@link AppStream} over one {@code direct-tcpip} channel in MINA's async streaming mode. A
 * write completes when the channel's async output stream has sent the bytes within the node's
 * window (RFC 4254 section 5.2). The next read of the node's bytes starts only when the reader
 * calls {@code more}; the channel's local window is released only as we read, so the node can
 * have at most one window of bytes buffered at the gateway and the reader holds at most one
 * chunk. {@link #shutdownOutput} sends SSH_MSG_CHANNEL_EOF after the last write.
 *
 * <p>A reader that calls {@code more} from within {@code onData} is served in a loop, not by
 * recursion, so a fast stream cannot overflow the stack.
 */
final class SshAppStream implements AppStream {
    /** Nothing is being delivered. */
    private static final int IDLE = 0;
    /** {@code onData} is running. */
    private static final int DELIVERING = 1;
    /** {@code more} was called while {@code onData} ran: its thread reads the next chunk. */
    private static final int MORE_DURING_DELIVERY = 2;
    /** A quiet stream's read size: a few packets. */
    private static final int MIN_CHUNK = 8 * 1024;

    private final ChannelDirectTcpip channel;
    private final String describe;
    private final int maxChunk;
    /** The next read's buffer size: grown while reads fill it, shrunk when they are small (as {@code ssh.Pump} does). */
    private volatile int chunk = MIN_CHUNK;
    private final AtomicInteger phase = new AtomicInteger(IDLE);
    private final AtomicBoolean reading = new AtomicBoolean();
    private volatile Reader reader;

    SshAppStream(ChannelDirectTcpip channel, String describe) {
        this.channel = channel;
        this.describe = describe;
        // one read drains what MINA buffered, up to the local window
        this.maxChunk = (int) Math.max(MIN_CHUNK, Math.min(1 << 20, channel.getLocalWindow().getMaxSize()));
    }

    @Override
    public CompletableFuture<Void> write(ByteBuf data) {
        byte[] bytes;
        try {
            bytes = ByteBufUtil.getBytes(data);
        } finally {
            data.release();
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        IoWriteFuture write;
        try {
            write = channel.getAsyncIn().writeBuffer(new ByteArrayBuffer(bytes));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        write.addListener(f -> {
            if (f.isWritten()) {
                done.complete(null);
            } else {
                done.completeExceptionally(f.getException() != null ? f.getException() : new IOException("the channel closed"));
            }
        });
        return done;
    }

    @Override
    public void read(Reader r) {
        if (!reading.compareAndSet(false, true)) {
            throw new IllegalStateException("read() was already called on " + describe);
        }
        reader = r;
        readLoop();
    }

    private void readLoop() {
        while (true) {
            IoReadFuture read;
            try {
                read = channel.getAsyncOut().read(new ByteArrayBuffer(chunk, false));
            } catch (RuntimeException e) {
                reader.onFailure(e);
                return;
            }
            if (!read.isDone()) {
                read.addListener(f -> {
                    if (deliver(f)) {
                        readLoop();
                    }
                });
                return;
            }
            if (!deliver(read)) {
                return;
            }
        }
    }

    /** @return true when {@code more} was called during {@code onData}, so the caller reads on */
    private boolean deliver(IoReadFuture read) {
        Throwable failure = read.getException();
        if (failure instanceof EOFException) {
            reader.onEnd();
            return false;
        }
        if (failure != null) {
            reader.onFailure(failure);
            return false;
        }
        Buffer buffer = read.getBuffer();
        int length = buffer.available();
        if (length <= 0) {
            return true;
        }
        int size = buffer.array().length;
        if (length >= size && size < maxChunk) {
            chunk = Math.min(maxChunk, size * 4);
        } else if (length <= MIN_CHUNK / 2 && size > MIN_CHUNK) {
            chunk = MIN_CHUNK;
        }
        ByteBuf data = Unpooled.wrappedBuffer(buffer.array(), buffer.rpos(), length);
        AtomicBoolean asked = new AtomicBoolean();
        phase.set(DELIVERING);
        reader.onData(data, () -> {
            if (!asked.compareAndSet(false, true)) {
                throw new IllegalStateException("more was called twice for one chunk of " + describe);
            }
            if (!phase.compareAndSet(DELIVERING, MORE_DURING_DELIVERY)) {
                readLoop();
            }
        });
        return phase.getAndSet(IDLE) == MORE_DURING_DELIVERY;
    }

    @Override
    public void shutdownOutput() {
        // a graceful close of the async stream sends SSH_MSG_CHANNEL_EOF once pending writes are out
        channel.getAsyncIn().close(false);
    }

    @Override
    public void close() {
        channel.close(true);
    }

    @Override
    public String describe() {
        return describe;
    }
}
