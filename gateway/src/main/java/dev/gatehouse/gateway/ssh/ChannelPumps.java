package dev.gatehouse.gateway.ssh;

import dev.gatehouse.recorder.StoreUnavailableException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data phase of a running bridged channel: three {@link Pump}s copy the client's stdin to the
 * node and the node's stdout and stderr to the client, each shown to its recording tap. The
 * client's EOF is passed on once the data before it is written; when both of the node's outputs
 * have ended and its channel has closed (or {@value #CLOSE_GRACE_MS} ms after, for a node that
 * sends EOF but never closes), the session is complete. A failed copy ends the session: with the
 * store's reason when the recorder refused the bytes, since they must not pass unrecorded.
 */
final class ChannelPumps {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelPumps.class);
    static final long CLOSE_GRACE_MS = 5_000;
    static final String UNRECORDABLE = "the audit store is unavailable; the session cannot be recorded and has been ended";

    private final ClientChannel node;
    private final String sessionId;
    private final ScheduledExecutorService timer;
    private final Consumer<String> terminate;
    private final Runnable complete;
    private final AtomicInteger openOutputs = new AtomicInteger(2);
    private final Pump stdin;
    private final Pump stdout;
    private final Pump stderr;

    /**
     * @param terminate ends the session from the gateway side, with a reason for the user or null
     * @param complete ends the session normally, mirroring the node's exit (may be called twice: once counts)
     * @param counted bytes relayed each way, for the live-session listing
     */
    ChannelPumps(ClientChannel node, GatewayChannelSession client, IoInputStream in, IoOutputStream out, SerialSink err,
            RecordingTaps taps, String sessionId, ScheduledExecutorService timer, Consumer<String> terminate, Runnable complete,
            Traffic counted) {
        this.node = node;
        this.sessionId = sessionId;
        this.timer = timer;
        this.terminate = terminate;
        this.complete = complete;
        // a read may take all that the window let the sender put in flight
        int fromNode = (int) Math.min(Integer.MAX_VALUE, node.getLocalWindow().getMaxSize());
        int fromClient = (int) Math.min(Integer.MAX_VALUE, client.getLocalWindow().getMaxSize());
        stdout = new Pump(node.getAsyncOut(), out::writeBuffer, counting(taps.out(), counted.out()), this::outputEnded, fromNode);
        stderr = new Pump(node.getAsyncErr(), err, counting(taps.err(), counted.out()), this::outputEnded, fromNode);
        stdin = new Pump(in, node.getAsyncIn()::writeBuffer, counting(taps.in(), counted.in()), this::inputEnded, fromClient);
    }

    /** Bytes relayed so far: {@code in} from the client towards the node, {@code out} from the node (stdout and stderr). */
    record Traffic(LongAdder in, LongAdder out) {
        Traffic() {
            this(new LongAdder(), new LongAdder());
        }
    }

    /** {@code tap}, after which the chunk is counted (a refused chunk is not relayed, so not counted). */
    private static Pump.Tap counting(Pump.Tap tap, LongAdder n) {
        return (b, o, l) -> {
            tap.accept(b, o, l);
            n.add(l);
        };
    }

    void start() {
        stdout.start();
        stderr.start();
        stdin.start();
    }

    /** Stops all three after their current chunk; no callback follows. */
    void stop() {
        stdin.stop();
        stdout.stop();
        stderr.stop();
    }

    private void inputEnded(Throwable failure) {
        if (failure instanceof StoreUnavailableException) {
            terminate.accept(UNRECORDABLE);
        } else if (failure == null) {
            // the client sent EOF: pass it on once the data before it is written
            node.getAsyncIn().close(false);
        } else {
            LOG.debug("session {}: client input failed: {}", sessionId, failure.toString());
        }
    }

    private void outputEnded(Throwable failure) {
        if (failure != null) {
            LOG.debug("session {}: output failed: {}", sessionId, failure.toString());
            terminate.accept(failure instanceof StoreUnavailableException ? UNRECORDABLE : null);
            return;
        }
        if (openOutputs.decrementAndGet() > 0) {
            return;
        }
        if (node.isClosed()) {
            complete.run();
            return;
        }
        node.addCloseFutureListener(f -> complete.run());
        // a node that sends EOF but never closes must not hold the client forever
        timer.schedule(complete, CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
    }
}
