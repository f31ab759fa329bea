package dev.gatehouse.gateway.web.proxy;

import io.netty.buffer.ByteBuf;

/**
 * Counts WebSocket frames in one direction of a relayed byte stream by reading only their headers
 * (RFC 6455 section 5.2), and notes the status code of the first Close frame (section 5.5.1,
 * the first two payload bytes, unmasked).
 *
 * <p>Why our own parser: Netty's {@code WebSocket08FrameDecoder} buffers each frame whole before it
 * passes it on, and Jupyter sends multi-MiB frames (notebook outputs, file contents); a relay must
 * hold only what it is passing through. This one keeps at most a 14-byte header and then skips the
 * payload as it streams by, so a frame may be split anywhere across chunks.
 *
 * <p>It reads chunks without consuming them. It never rejects anything (the endpoints validate the
 * protocol); if a header is impossible (a 64-bit length with its top bit set) it stops counting.
 */
final class FrameCounter {
    private static final int OPCODE_CLOSE = 0x8;

    private final byte[] header = new byte[14];
    private int headerHave;
    private long payloadLeft;
    private boolean inPayload;
    private boolean closeFrame;
    private long payloadOffset;
    private final byte[] closeCodeBytes = new byte[2];
    private int closeCodeHave;
    private boolean lost;
    private boolean masked;
    private int maskAt;

    private long frames;
    private long bytes;
    private int closeCode = -1;

    /** Frames whose header has been seen so far. */
    long frames() {
        return frames;
    }

    /** Bytes seen so far, headers included. */
    long bytes() {
        return bytes;
    }

    /** The status code of the first Close frame that carried one, or -1. */
    int closeCode() {
        return closeCode;
    }

    /** Reads the readable bytes of {@code chunk} (its indices are left as they were). */
    void accept(ByteBuf chunk) {
        int n = chunk.readableBytes();
        bytes += n;
        int i = chunk.readerIndex();
        int end = i + n;
        while (i < end && !lost) {
            if (inPayload) {
                int take = (int) Math.min(payloadLeft, end - i);
                if (closeFrame) {
                    for (int k = 0; k < take && payloadOffset + k < 2; k++) {
                        closeCodeBytes[closeCodeHave++] = unmask(chunk.getByte(i + k), payloadOffset + k);
                    }
                }
                i += take;
                payloadLeft -= take;
                payloadOffset += take;
                if (payloadLeft == 0) {
                    endFrame();
                }
            } else {
                header[headerHave++] = chunk.getByte(i++);
                int need = headerLength();
                if (headerHave == need) {
                    startPayload();
                }
            }
        }
    }

    /** The full header length once its first two bytes are known; 2 before. */
    private int headerLength() {
        if (headerHave < 2) {
            return 2;
        }
        int len7 = header[1] & 0x7f;
        int extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        boolean masked = (header[1] & 0x80) != 0;
        return 2 + extended + (masked ? 4 : 0);
    }

    private void startPayload() {
        frames++;
        int len7 = header[1] & 0x7f;
        long length;
        if (len7 == 126) {
            length = ((header[2] & 0xffL) << 8) | (header[3] & 0xffL);
        } else if (len7 == 127) {
            length = 0;
            for (int k = 2; k < 10; k++) {
                length = (length << 8) | (header[k] & 0xffL);
            }
            if (length < 0) {
                lost = true;
                return;
            }
        } else {
            length = len7;
        }
        closeFrame = (header[0] & 0x0f) == OPCODE_CLOSE;
        masked = (header[1] & 0x80) != 0;
        maskAt = headerHave - 4;
        payloadLeft = length;
        payloadOffset = 0;
        closeCodeHave = 0;
        inPayload = true;
        headerHave = 0;
        if (length == 0) {
            endFrame();
        }
    }

    private void endFrame() {
        if (closeFrame && closeCodeHave == 2 && closeCode < 0) {
            closeCode = ((closeCodeBytes[0] & 0xff) << 8) | (closeCodeBytes[1] & 0xff);
        }
        inPayload = false;
        closeFrame = false;
        headerHave = 0;
    }

    /** Payload byte {@code b} at {@code offset}, unmasked with the frame's key when it has one (section 5.3). */
    private byte unmask(byte b, long offset) {
        return masked ? (byte) (b ^ header[maskAt + (int) (offset % 4)]) : b;
    }
}
