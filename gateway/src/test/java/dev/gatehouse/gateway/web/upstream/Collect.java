package dev.gatehouse.gateway.web.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.web.AppStream;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

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

    /**
     * For a {@link #held} reader: takes the chunks one at a time until the end, checking that no
     * second chunk came before more was asked for, then {@code eachChunk}, and that the bytes follow
     * {@link LoopbackApp#patternByte}; asks for more after each. Returns how many bytes came.
     */
    long takePattern(Consumer<Chunk> eachChunk) throws Exception {
        long received = 0;
        while (!end.isDone() || !chunks.isEmpty()) {
            Chunk chunk = chunks.poll(100, TimeUnit.MILLISECONDS);
            if (chunk == null) {
                continue;
            }
            assertThat(chunks).as("a second chunk arrived before more was asked").isEmpty();
            eachChunk.accept(chunk);
            for (byte b : chunk.bytes()) {
                if (b != LoopbackApp.patternByte(received)) {
                    throw new AssertionError("byte " + received + " differs");
                }
                received++;
            }
            chunk.more().run();
        }
        end.get();
        return received;
    }

    String text() {
        synchronized (bytes) {
            return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
