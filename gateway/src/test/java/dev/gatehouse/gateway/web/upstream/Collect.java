package dev.gatehouse.gateway.web.upstream;

import dev.gatehouse.gateway.web.AppStream;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reader for tests. Eager ({@link #eager}) it asks for more at once and keeps every byte; held
 * ({@link #held}) it queues each chunk with its {@code more} for the test to take one by one. Either
 * way it counts the most chunks it ever held that it had not asked for: the stream's flow control
 * promise is that this never exceeds one.
 */
final class Collect implements AppStream.Reader {
    /** One chunk and the callback that asks for the next. */
    record Chunk(byte[] bytes, Runnable more) {}

    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final CompletableFuture<Void> end = new CompletableFuture<>();
    final BlockingQueue<Chunk> chunks = new LinkedBlockingQueue<>();
    final AtomicInteger unasked = new AtomicInteger();
    final AtomicInteger mostUnasked = new AtomicInteger();
    private final boolean eager;

    private Collect(boolean eager) {
        this.eager = eager;
    }

    static Collect eager() {
        return new Collect(true);
    }

    static Collect held() {
        return new Collect(false);
    }

    @Override
    public void onData(ByteBuf data, Runnable more) {
        byte[] copy = new byte[data.readableBytes()];
        data.readBytes(copy);
        data.release();
        int now = unasked.incrementAndGet();
        mostUnasked.accumulateAndGet(now, Math::max);
        Runnable asking = () -> {
            unasked.decrementAndGet();
            more.run();
        };
        if (eager) {
            synchronized (bytes) {
                bytes.writeBytes(copy);
            }
            asking.run();
        } else {
            chunks.add(new Chunk(copy, asking));
        }
    }

    @Override
    public void onEnd() {
        end.complete(null);
    }

    @Override
    public void onFailure(Throwable cause) {
        end.completeExceptionally(cause);
    }

    String text() {
        synchronized (bytes) {
            return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
