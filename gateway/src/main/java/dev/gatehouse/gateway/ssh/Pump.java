package dev.gatehouse.gateway.ssh;

import java.io.EOFException;
import java.io.IOException;
import java.util.function.Consumer;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * Copies one direction of a bridged channel with end-to-end flow control: read a chunk, show it to
 * the tap (recorder), write it, and read the next chunk only when the write has completed. The SSH
 * window of the source is released only as we read, so a slow reader on one side stalls the sender
 * on the other and the gateway holds at most one chunk per direction: no more than the source's
 * window, since that is all the sender may have in flight.
 *
 * <p>Completions that arrive synchronously are handled in a loop (a trampoline) rather than by
 * recursion, so a fast stream cannot overflow the stack.
 */
final class Pump {
    /** Where the bytes go. */
    interface Sink {
        IoWriteFuture write(Buffer buffer) throws IOException;
    }

    /** Sees every chunk before it is written; must not keep the array. */
    interface Tap {
        Tap NONE = (data, offset, length) -> { };

        void accept(byte[] data, int offset, int length);
    }

    private final IoInputStream source;
    private final Sink sink;
    private final Tap tap;
    private final Consumer<Throwable> onEnd;
    private final int maxChunk;
    /**
     * Reused: the next read starts only after the previous write completed. Sized to the stream:
     * small while it is quiet, grown while reads fill it, up to {@code maxChunk}.
     */
    private Buffer buffer = new ByteArrayBuffer(MIN_CHUNK, false);
    private volatile boolean stopped;

    /** What an idle or interactive stream holds: a few packets of terminal output. */
    static final int MIN_CHUNK = 8 * 1024;

    /**
     * @param maxChunk the largest read; MINA compacts its channel buffer after every read, so a
     *     read that does not drain it copies what is left, and reading a full window in small chunks
     *     costs time quadratic in the window. Use the channel's local window size.
     * @param onEnd called once: with null at a clean end of stream, else with the failure
     */
    Pump(IoInputStream source, Sink sink, Tap tap, Consumer<Throwable> onEnd, int maxChunk) {
        this.source = source;
        this.sink = sink;
        this.tap = tap;
        this.onEnd = onEnd;
        this.maxChunk = Math.max(MIN_CHUNK, maxChunk);
    }

    void start() {
        loop();
    }

    /** Stops after the current chunk; onEnd is not called. */
    void stop() {
        stopped = true;
    }

    private void loop() {
        while (!stopped) {
            buffer.clear();
            IoReadFuture read = source.read(buffer);
            if (!read.isDone()) {
                read.addListener(f -> {
                    if (afterRead(f)) {
                        loop();
                    }
                });
                return;
            }
            if (!afterRead(read)) {
                return;
            }
        }
    }

    /** @return true when the caller should go on reading synchronously */
    private boolean afterRead(IoReadFuture read) {
        if (stopped) {
            return false;
        }
        Throwable failure = read.getException();
        if (failure != null) {
            finish(failure instanceof EOFException ? null : failure);
            return false;
        }
        Buffer buffer = read.getBuffer();
        int length = buffer.available();
        if (length <= 0) {
            return true;
        }
        resize(length, buffer.array().length); // capacity() is what is left after wpos
        try {
            tap.accept(buffer.array(), buffer.rpos(), length);
        } catch (RuntimeException e) {
            // the recorder refused (store down): the bytes must not pass unrecorded
            finish(e);
            return false;
        }
        IoWriteFuture write;
        try {
            write = sink.write(buffer);
        } catch (IOException | RuntimeException e) {
            finish(e);
            return false;
        }
        if (write.isDone()) {
            return afterWrite(write);
        }
        write.addListener(f -> {
            if (afterWrite(f)) {
                loop();
            }
        });
        return false;
    }

    /** Called with the chunk just read; the next read uses the new buffer, this one is being written. */
    private void resize(int length, int capacity) {
        if (length >= capacity && capacity < maxChunk) {
            buffer = new ByteArrayBuffer(Math.min(maxChunk, capacity * 4), false);
        } else if (length <= MIN_CHUNK / 2 && capacity > MIN_CHUNK) {
            buffer = new ByteArrayBuffer(MIN_CHUNK, false);
        }
    }

    private boolean afterWrite(IoWriteFuture write) {
        if (!write.isWritten()) {
            Throwable failure = write.getException();
            finish(failure != null ? failure : new IOException("write failed"));
            return false;
        }
        return !stopped;
    }

    private void finish(Throwable failure) {
        if (!stopped) {
            stopped = true;
            onEnd.accept(failure);
        }
    }
}
