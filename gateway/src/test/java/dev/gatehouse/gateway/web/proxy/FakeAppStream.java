package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.web.AppStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An in-memory app end of an {@link AppStream}: it keeps what the proxy wrote, and the test plays
 * the app by {@link #send}ing chunks. Writes complete at once unless {@link #holdWrites} is set;
 * {@link #moreCalls} counts how often the proxy asked for the next chunk.
 */
final class FakeAppStream implements AppStream {
    private final StringBuilder written = new StringBuilder();
    private long writtenBytes;
    private Reader reader;
    private int outstanding;
    int moreCalls;
    boolean closed;
    boolean holdWrites;
    final List<CompletableFuture<Void>> held = new ArrayList<>();
    /** True if the proxy ever had two writes outstanding (the AppStream contract forbids it). */
    boolean overlappingWrites;

    @Override
    public synchronized CompletableFuture<Void> write(ByteBuf data) {
        try {
            writtenBytes += data.readableBytes();
            written.append(data.toString(StandardCharsets.ISO_8859_1));
        } finally {
            data.release();
        }
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
        if (outstanding > 0) {
            overlappingWrites = true;
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        outstanding++;
        f.whenComplete((ok, err) -> {
            synchronized (this) {
                outstanding--;
            }
        });
        if (holdWrites) {
            held.add(f);
        } else {
            f.complete(null);
        }
        return f;
    }

    /** Completes the writes held so far. */
    void releaseWrites() {
        List<CompletableFuture<Void>> now = new ArrayList<>(held);
        held.clear();
        now.forEach(f -> f.complete(null));
    }

    /** What the proxy has sent the app so far, as ISO-8859-1 text. */
    synchronized String written() {
        return written.toString();
    }

    synchronized long writtenBytes() {
        return writtenBytes;
    }

    @Override
    public void read(Reader reader) {
        this.reader = reader;
    }

    /** The app sends {@code text} as one chunk. */
    void send(String text) {
        send(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    void send(ByteBuf chunk) {
        reader.onData(chunk, () -> moreCalls++);
    }

    /** The app closes its side. */
    void end() {
        reader.onEnd();
    }

    void fail(Throwable cause) {
        reader.onFailure(cause);
    }

    @Override
    public void shutdownOutput() {}

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String describe() {
        return "in-memory app";
    }
}
