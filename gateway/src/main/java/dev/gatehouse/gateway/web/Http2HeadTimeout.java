package dev.gatehouse.gateway.web;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 counterpart of {@link RequestHeadTimeout}: closes a connection (GOAWAY, then close)
 * that spends {@code timeout} without an open stream or with a header block left unfinished. The
 * clock runs while the connection has no active stream (from the preface, or since its last
 * stream closed: an idle or never-used connection) or while a client's header block is open (a
 * HEADERS frame without END_HEADERS whose CONTINUATION frames trickle in or never come, RFC 9113
 * section 6.10: no other frame may come in between, so the client holds the connection's receive
 * side). While a request or response is under way on some stream and no header block is open, no
 * clock runs: streamed uploads and server-sent events are not cut. PING frames do not keep a
 * connection without streams alive, unlike the idle limit.
 *
 * <p>Goes before the HTTP/2 codec, whose connection it asks for the active streams; it reads the
 * 9-octet frame headers (RFC 9113 section 4.1) of the client's byte stream, after the 24-octet
 * preface, and passes every byte on unchanged.
 */
final class Http2HeadTimeout extends ChannelInboundHandlerAdapter {
    private static final int PREFACE = 24;
    private static final int FRAME_HEADER = 9;
    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;
    private static final int END_HEADERS = 0x4;

    private final Duration timeout;
    private final Http2Connection connection;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private int prefaceLeft = PREFACE;
    private final byte[] head = new byte[FRAME_HEADER];
    private int headLength;
    private long payloadLeft;
    private boolean headerBlockOpen;

    /**
     * @param timeout how long a connection may go without an open stream, or with a header block open; positive
     * @param connection the HTTP/2 codec's connection (its active streams)
     */
    Http2HeadTimeout(Duration timeout, Http2Connection connection) {
        this.timeout = timeout;
        this.connection = connection;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamActive(Http2Stream stream) {
                check();
            }

            @Override
            public void onStreamClosed(Http2Stream stream) {
                check();
            }
        });
        check();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf buf) {
            scan(buf);
        }
        super.channelRead(ctx, msg); // the codec opens streams for completed header blocks
        check();
    }

    /** Follows frame boundaries through {@code buf} without moving its reader index. */
    private void scan(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            if (prefaceLeft > 0) {
                int n = Math.min(prefaceLeft, end - i);
                prefaceLeft -= n;
                i += n;
            } else if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, end - i);
                payloadLeft -= n;
                i += n;
            } else {
                head[headLength++] = buf.getByte(i++);
                if (headLength == FRAME_HEADER) {
                    headLength = 0;
                    payloadLeft = ((head[0] & 0xffL) << 16) | ((head[1] & 0xffL) << 8) | (head[2] & 0xffL);
                    int type = head[3] & 0xff;
                    boolean endHeaders = (head[4] & END_HEADERS) != 0;
                    if (type == HEADERS) {
                        headerBlockOpen = !endHeaders;
                    } else if (type == CONTINUATION && endHeaders) {
                        headerBlockOpen = false;
                    }
                }
            }
        }
    }

    /** Runs the clock while waiting for a stream or a header block's end; stops it otherwise. */
    private void check() {
        if (ctx == null || ctx.isRemoved()) {
            return;
        }
        boolean waiting = headerBlockOpen || connection.numActiveStreams() == 0;
        if (waiting && timer == null) {
            timer = ctx.executor().schedule(this::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        } else if (!waiting) {
            disarm();
        }
    }

    private void expire() {
        timer = null;
        if (ctx.channel().isActive() && (headerBlockOpen || connection.numActiveStreams() == 0)) {
            ctx.channel().close(); // from the tail, so the codec says GOAWAY first
        }
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
