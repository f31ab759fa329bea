package dev.gatehouse.gateway.web.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The streaming frame-header parser counts frames however the bytes are cut, without holding payloads. */
class FrameCounterTest {
    private static final byte[] STREAM = Frames.concat(
            Frames.frame(Frames.TEXT, "hello".getBytes(StandardCharsets.UTF_8), true),
            Frames.frame(Frames.BINARY, new byte[300], true),        // 16-bit length
            Frames.frame(Frames.TEXT, new byte[0], false),           // empty frame
            Frames.close(1001, true));

    @Test
    void countsFramesAndTheCloseCodeWhereverTheStreamIsSplit() {
        for (int cut1 = 0; cut1 <= STREAM.length; cut1++) {
            for (int cut2 = cut1; cut2 <= STREAM.length; cut2 += 7) {
                FrameCounter c = new FrameCounter();
                c.accept(Unpooled.wrappedBuffer(STREAM, 0, cut1));
                c.accept(Unpooled.wrappedBuffer(STREAM, cut1, cut2 - cut1));
                c.accept(Unpooled.wrappedBuffer(STREAM, cut2, STREAM.length - cut2));
                assertThat(c.frames()).as("cuts at %d and %d", cut1, cut2).isEqualTo(4);
                assertThat(c.closeCode()).as("cuts at %d and %d", cut1, cut2).isEqualTo(1001);
                assertThat(c.bytes()).isEqualTo(STREAM.length);
            }
        }
    }

    @Test
    void aFiveMebibyteFrameIsOneFrameAndLeavesTheBufferUntouched() {
        byte[] big = Frames.frame(Frames.BINARY, new byte[5 * 1024 * 1024], false);
        FrameCounter c = new FrameCounter();
        for (int off = 0; off < big.length; off += 65536) {
            ByteBuf chunk = Unpooled.wrappedBuffer(big, off, Math.min(65536, big.length - off));
            c.accept(chunk);
            assertThat(chunk.readerIndex()).isZero();
        }
        assertThat(c.frames()).isEqualTo(1);
        c.accept(Unpooled.wrappedBuffer(Frames.close(1000, false)));
        assertThat(c.frames()).isEqualTo(2);
        assertThat(c.closeCode()).isEqualTo(1000);
    }

    @Test
    void aCloseWithoutACodeLeavesItUnknown() {
        FrameCounter c = new FrameCounter();
        c.accept(Unpooled.wrappedBuffer(Frames.frame(Frames.CLOSE, new byte[0], true)));
        assertThat(c.frames()).isEqualTo(1);
        assertThat(c.closeCode()).isEqualTo(-1);
    }

    @Test
    void anImpossibleLengthStopsCountingInsteadOfMisreadingPayloadAsHeaders() {
        byte[] bad = {(byte) 0x82, 127, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1};
        FrameCounter c = new FrameCounter();
        c.accept(Unpooled.wrappedBuffer(bad));
        c.accept(Unpooled.wrappedBuffer(Frames.frame(Frames.TEXT, new byte[3], false)));
        assertThat(c.frames()).isEqualTo(1);
        assertThat(c.bytes()).isEqualTo(bad.length + 5);
    }
}
