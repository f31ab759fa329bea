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

    /** How long a last line (a termination's reason) may take to reach a client before the channel ends anyway. */
    public static final java.time.Duration LAST_LINE_WAIT = java.time.Duration.ofSeconds(5);

    /**
     * Runs {@code then} once: when {@code written} completes, or after {@link #LAST_LINE_WAIT} if it
     * has not by then. A client that stopped reading must not keep a terminated channel, and the
     * connection under it, open by never taking the last line.
     */
    public static void whenWritten(IoWriteFuture written, java.util.concurrent.ScheduledExecutorService timer, Runnable then) {
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        Runnable run = () -> {
            if (once.compareAndSet(false, true)) {
                then.run();
            }
        };
        written.addListener(f -> run.run());
        if (!once.get()) {
            timer.schedule(run, LAST_LINE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
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
