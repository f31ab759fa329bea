package dev.gatehouse.gateway.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.common.channel.ChannelAsyncInputStream.IoReadFutureImpl;
import org.apache.sshd.common.channel.IoWriteFutureImpl;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.junit.jupiter.api.Test;

class PumpTest {
    private static final int WINDOW = 256 * 1024;

    @Test
    void aBurstIsDrainedInWindowSizedReadsAndEveryByteArrivesInOrder() {
        // Threat (availability): MINA compacts its channel buffer after every read, so draining a full
        // window in small reads copies the rest of the window each time; bulk transfers then spend
        // their CPU in memmove. And a chunk that filled the buffer once stalled the pump for good.
        Source source = new Source();
        Sink sink = new Sink();
        AtomicReference<Throwable> end = new AtomicReference<>();
        Pump pump = new Pump(source, sink::write, (b, o, l) -> { }, e -> end.set(e == null ? new Throwable("eof") : e), WINDOW);
        pump.start();

        byte[] burst = random(4 * WINDOW + 123);
        source.feed(burst);

        assertSame(sink.bytes(), burst);
        assertThat(sink.sizes.get(0)).isEqualTo(Pump.MIN_CHUNK);
        assertThat(sink.sizes).contains(WINDOW);
        assertThat(sink.sizes).allMatch(n -> n <= WINDOW);
        // growth is geometric: few reads, not 4 windows / 8 KiB = 128 of them
        assertThat(sink.sizes).hasSizeLessThan(12);
        assertThat(end.get()).isNull();
    }

    @Test
    void aQuietStreamGoesBackToSmallReads() {
        // Idle and interactive sessions must not each pin window-sized buffers (2,000 sessions).
        Source source = new Source();
        Sink sink = new Sink();
        Pump pump = new Pump(source, sink::write, (b, o, l) -> { }, e -> { }, WINDOW);
        pump.start();
        source.feed(random(2 * WINDOW));
        source.feed(random(100)); // a keystroke echo arrives after the burst
        source.feed(random(3000));

        assertThat(source.lastReadCapacity).isEqualTo(Pump.MIN_CHUNK);
        assertThat(sink.bytes()).hasSize(2 * WINDOW + 3100);
    }

    @Test
    void theTapSeesEveryChunkBeforeItIsWritten() {
        // The recorder must see exactly the bytes that reach the other side, never fewer.
        Source source = new Source();
        Sink sink = new Sink();
        ByteArrayOutputStream tapped = new ByteArrayOutputStream();
        Pump pump = new Pump(source, buffer -> {
            assertThat(tapped.size()).isEqualTo(sink.bytes().length + buffer.available());
            return sink.write(buffer);
        }, tapped::write, e -> { }, WINDOW);
        pump.start();
        byte[] data = random(WINDOW + 5);
        source.feed(data);

        assertSame(tapped.toByteArray(), data);
        assertSame(sink.bytes(), data);
    }

    private static void assertSame(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("bytes delivered").isEqualTo(expected.length);
        assertThat(Arrays.mismatch(actual, expected)).as("first differing byte").isEqualTo(-1);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** Behaves like MINA's channel input stream: copies what fits, compacts, completes a pending read on arrival. */
    private static final class Source extends AbstractCloseable implements IoInputStream {
        private final Buffer held = new ByteArrayBuffer();
        private IoReadFutureImpl pending;
        private Buffer pendingBuffer;
        int lastReadCapacity;

        @Override
        public IoReadFuture read(Buffer buffer) {
            IoReadFutureImpl future = new IoReadFutureImpl("test", buffer);
            lastReadCapacity = buffer.capacity();
            pending = future;
            pendingBuffer = buffer;
            deliver();
            return future;
        }

        void feed(byte[] data) {
            held.putRawBytes(data);
            deliver();
        }

        private void deliver() {
            IoReadFutureImpl future = pending;
            if (future == null || held.available() == 0) {
                return;
            }
            int n = pendingBuffer.putBuffer(held, false);
            held.compact();
            if (n > 0) { // MINA completes a read only when it copied something
                pending = null;
                future.setValue(n);
            }
        }
    }

    private static final class Sink {
        final List<Integer> sizes = new ArrayList<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        IoWriteFutureImpl write(Buffer buffer) {
            sizes.add(buffer.available());
            out.write(buffer.array(), buffer.rpos(), buffer.available());
            IoWriteFutureImpl future = new IoWriteFutureImpl("test", buffer);
            future.setValue(Boolean.TRUE);
            return future;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
