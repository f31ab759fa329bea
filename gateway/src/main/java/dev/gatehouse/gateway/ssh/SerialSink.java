package dev.gatehouse.gateway.ssh;

import java.io.IOException;
import java.util.ArrayDeque;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * Lets several writers share one channel stream: a channel stream takes one write at a time, and
 * the stderr pump and the gateway's own warning lines both write to the client's stderr, as the
 * gateway shell's echo, output and replay frames write to its stdout. Writes are queued and issued
 * in order; the queue holds at most a pump's one chunk (or a shell's one command output) plus a
 * few lines, since each writer waits for its own writes before it reads on.
 */
public final class SerialSink implements Pump.Sink {
    private final IoOutputStream out;
    private final ArrayDeque<IoWriteFutureImpl> queue = new ArrayDeque<>();
    private boolean busy;

    public SerialSink(IoOutputStream out) {
        this.out = out;
    }

    @Override
    public IoWriteFuture write(Buffer buffer) {
        IoWriteFutureImpl future = new IoWriteFutureImpl(this, buffer);
        if (buffer.available() == 0) {
            future.setValue(Boolean.TRUE); // nothing to send: done, and no empty packet on the wire
            return future;
        }
        synchronized (this) {
            if (busy) {
                queue.add(future);
                return future;
            }
            busy = true;
        }
        issue(future);
        return future;
    }

    private void issue(IoWriteFutureImpl future) {
        try {
            out.writeBuffer(future.getBuffer()).addListener(w -> {
                future.setValue(w.isWritten() ? Boolean.TRUE : (w.getException() != null ? w.getException() : new IOException("write failed")));
                next();
            });
        } catch (IOException | RuntimeException e) {
            future.setValue(e);
            next();
        }
    }

    private void next() {
        IoWriteFutureImpl following;
        synchronized (this) {
            following = queue.poll();
            if (following == null) {
                busy = false;
                return;
            }
        }
        issue(following);
    }
}
