package dev.gatehouse.gateway.ssh;

import java.io.IOException;
import java.util.ArrayDeque;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * Lets two writers share one channel stream: a channel stream takes one write at a time, and the
 * stderr pump and the gateway's own warning lines both write to the client's stderr. Writes are
 * queued and issued in order; the queue holds at most the pump's one chunk plus a few lines.
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
