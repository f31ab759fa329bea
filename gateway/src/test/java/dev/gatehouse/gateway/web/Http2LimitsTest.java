package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The listener's HTTP/2 pipeline ({@link WebFront#http2}) against a client written frame by frame
 * (RFC 9113 section 4.1) on an {@link EmbeddedChannel} with its own clock: the stream limit it
 * advertises and enforces, and the head timeout that ends connections left without a stream or
 * with an unfinished header block.
 */
class Http2LimitsTest extends WithWebFixture {
    private static final int SETTINGS = 0x4;
    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;
    private static final int RST_STREAM = 0x3;
    private static final int GOAWAY = 0x7;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int ACK = 0x1;

    // client streams start at 3: on an EmbeddedChannel (no server parent) Netty's multiplexer
    // takes stream 1 for an h2c upgrade's
    private WebFront front;
    private EmbeddedChannel ch;

    /** One frame the server sent. */
    private record Frame(int type, int flags, int stream, byte[] payload) {}

    @BeforeEach
    void connect() {
        front = new WebFront(f.parts);
        ch = new EmbeddedChannel();
        front.http2(ch);
        // the client's preface, its (empty) SETTINGS and the ACK of the server's
        ByteBuf hello = Unpooled.buffer();
        hello.writeBytes(Http2CodecUtil.connectionPrefaceBuf());
        frame(hello, SETTINGS, 0, 0, Unpooled.EMPTY_BUFFER);
        frame(hello, SETTINGS, ACK, 0, Unpooled.EMPTY_BUFFER);
        ch.writeInbound(hello);
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
        front.close();
    }

    private static void frame(ByteBuf out, int type, int flags, int stream, ByteBuf payload) {
        out.writeMedium(payload.readableBytes()).writeByte(type).writeByte(flags).writeInt(stream).writeBytes(payload);
    }

    private static ByteBuf block(String path) throws Exception {
        Http2Headers h = new DefaultHttp2Headers().method("POST").scheme("https").authority("localhost").path(path);
        ByteBuf out = Unpooled.buffer();
        new DefaultHttp2HeadersEncoder().encodeHeaders(1, h, out);
        return out;
    }

    /** A request head on {@code stream} whose body is still to come (the stream stays open). */
    private void openStream(int stream) throws Exception {
        ByteBuf b = Unpooled.buffer();
        frame(b, HEADERS, END_HEADERS, stream, block("/upload"));
        ch.writeInbound(b);
    }

    private List<Frame> sent() {
        List<Frame> frames = new ArrayList<>();
        ByteBuf all = Unpooled.buffer();
        for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
            if (o instanceof ByteBuf b) {
                all.writeBytes(b);
                b.release();
            }
        }
        while (all.readableBytes() >= 9) {
            int length = all.readUnsignedMedium();
            int type = all.readUnsignedByte();
            int flags = all.readUnsignedByte();
            int stream = all.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            all.readBytes(payload);
            frames.add(new Frame(type, flags, stream, payload));
        }
        all.release();
        return frames;
    }

    private void after(long seconds) {
        ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    @Test
    void theServerAdvertisesAtMostAHundredConcurrentStreams() {
        Frame settings = sent().stream().filter(fr -> fr.type() == SETTINGS && (fr.flags() & ACK) == 0).findFirst().orElseThrow();
        ByteBuf p = Unpooled.wrappedBuffer(settings.payload());
        Long max = null;
        while (p.isReadable()) {
            int id = p.readUnsignedShort();
            long value = p.readUnsignedInt();
            if (id == Http2CodecUtil.SETTINGS_MAX_CONCURRENT_STREAMS) {
                max = value;
            }
        }
        assertThat(max).isEqualTo((long) WebFront.MAX_STREAMS).isEqualTo(100L);
    }

    /** Threat: one connection opens streams without end, each holding a request and an app session's resources. */
    @Test
    void aStreamPastTheLimitIsRefusedWithRefusedStream() throws Exception {
        sent();
        for (int i = 0; i < WebFront.MAX_STREAMS + 1; i++) {
            openStream(3 + 2 * i);
        }
        List<Frame> frames = sent();
        assertThat(frames).filteredOn(fr -> fr.type() == RST_STREAM).singleElement().satisfies(fr -> {
            assertThat(fr.stream()).isEqualTo(3 + 2 * WebFront.MAX_STREAMS);
            assertThat(Unpooled.wrappedBuffer(fr.payload()).readUnsignedInt()).isEqualTo(Http2Error.REFUSED_STREAM.code());
        });
        assertThat(ch.isOpen()).as("the connection itself goes on").isTrue();
    }

    /** Threat (slowloris over HTTP/2): a connection that opens no stream, kept alive by PINGs past the idle limit. */
    @Test
    void aConnectionThatOpensNoStreamIsClosedWithGoawayAfterTheHeadTimeout() {
        sent();
        after(WebFront.HEAD_TIMEOUT.toSeconds() - 1);
        assertThat(ch.isOpen()).isTrue();
        after(2);
        assertThat(sent()).anySatisfy(fr -> assertThat(fr.type()).isEqualTo(GOAWAY));
        assertThat(ch.isOpen()).isFalse();
    }

    /**
     * Threat: a client starts a header block (HEADERS without END_HEADERS) and never finishes it,
     * holding the connection, though another stream of it is still open.
     */
    @Test
    void aHeaderBlockLeftUnfinishedClosesTheConnectionEvenWithAStreamOpen() throws Exception {
        openStream(3);
        ByteBuf b = Unpooled.buffer();
        ByteBuf block = block("/never-finished");
        frame(b, HEADERS, 0, 5, block.readRetainedSlice(block.readableBytes() / 2));
        ch.writeInbound(b);
        block.release();
        sent();
        after(WebFront.HEAD_TIMEOUT.toSeconds() + 1);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aHeaderBlockFinishedByContinuationStopsTheClock() throws Exception {
        openStream(3);
        ByteBuf block = block("/in-two-parts");
        int half = block.readableBytes() / 2;
        ByteBuf first = Unpooled.buffer();
        frame(first, HEADERS, 0, 5, block.readRetainedSlice(half));
        ch.writeInbound(first);
        after(30);
        ByteBuf rest = Unpooled.buffer();
        frame(rest, CONTINUATION, END_HEADERS, 5, block.readRetainedSlice(block.readableBytes()));
        ch.writeInbound(rest);
        block.release();
        after(WebFront.HEAD_TIMEOUT.toSeconds() + 1);
        assertThat(ch.isOpen()).as("two streams still open, no header block pending").isTrue();
    }

    @Test
    void noClockRunsWhileAStreamIsOpen() throws Exception {
        openStream(3);
        after(WebFront.HEAD_TIMEOUT.toSeconds() * 3);
        assertThat(ch.isOpen()).as("a long upload or event stream is not a head").isTrue();
        // the client ends its request; once the stream is done, the connection waits for the next head
        ByteBuf end = Unpooled.buffer();
        frame(end, 0x0, END_STREAM, 3, Unpooled.EMPTY_BUFFER);
        ch.writeInbound(end);
        after(1);
        assertThat(sent()).as("the gateway answered stream 3 and ended it")
                .anySatisfy(fr -> assertThat(fr.stream() == 3 && (fr.flags() & END_STREAM) != 0).isTrue());
        after(WebFront.HEAD_TIMEOUT.toSeconds());
        assertThat(ch.isOpen()).as("no stream open for the head timeout").isFalse();
    }
}
