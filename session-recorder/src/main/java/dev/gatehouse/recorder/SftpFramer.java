package dev.gatehouse.recorder;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits one direction of an SFTP stream into packets ({@code uint32 length, byte type, body})
 * whatever the fragmentation. Only the first {@link Handler#prefixLength} bytes of a body are
 * buffered; the rest is streamed to {@link Handler#onPayload} (file data) or skipped, so memory
 * stays bounded by the largest interesting non-data packet.
 */
final class SftpFramer {
    /** OpenSSH's limit is 256 KiB per message; anything longer is not SFTP (or is an attack). */
    static final int MAX_PACKET = 256 * 1024 + 1024;

    /** The stream cannot be SFTP v3: observation stops. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    interface Handler {
        /** How many body bytes (after the type byte) to collect before {@link #onPrefix}; 0 skips the packet. */
        int prefixLength(int type, int bodyLength);

        /** The first {@code prefixLength} body bytes are in {@code body}; the rest goes to {@link #onPayload}. */
        void onPrefix(int type, Reader body, int bodyLength) throws Malformed;

        /** Body bytes after the prefix, in order, possibly in several pieces. */
        void onPayload(byte[] data, int offset, int length);
    }

    private final Handler handler;
    private final String direction;
    private final byte[] head = new byte[5];
    private int headLen;
    private byte[] body = new byte[512];
    private int bodyWant;
    private int bodyHave;
    private int type;
    private int bodyLength;
    private int rest; // body bytes after the prefix still to stream
    private boolean restIsPayload;

    SftpFramer(String direction, Handler handler) {
        this.direction = direction;
        this.handler = handler;
    }

    void feed(byte[] data, int offset, int length) throws Malformed {
        int end = offset + length;
        while (offset < end) {
            if (headLen < head.length) {
                int n = Math.min(head.length - headLen, end - offset);
                System.arraycopy(data, offset, head, headLen, n);
                headLen += n;
                offset += n;
                if (headLen == head.length) {
                    startPacket();
                }
            } else if (bodyHave < bodyWant) {
                int n = Math.min(bodyWant - bodyHave, end - offset);
                System.arraycopy(data, offset, body, bodyHave, n);
                bodyHave += n;
                offset += n;
                if (bodyHave == bodyWant) {
                    prefixDone();
                }
            } else {
                int n = Math.min(rest, end - offset);
                if (restIsPayload) {
                    handler.onPayload(data, offset, n);
                }
                rest -= n;
                offset += n;
                if (rest == 0) {
                    headLen = 0;
                }
            }
        }
    }

    private void startPacket() throws Malformed {
        int packetLength = ((head[0] & 0xFF) << 24) | ((head[1] & 0xFF) << 16) | ((head[2] & 0xFF) << 8) | (head[3] & 0xFF);
        if (packetLength < 1 || packetLength > MAX_PACKET) {
            throw new Malformed(direction + " packet length " + Integer.toUnsignedString(packetLength)
                    + " is outside 1.." + MAX_PACKET);
        }
        type = head[4] & 0xFF;
        bodyLength = packetLength - 1;
        bodyWant = Math.max(0, Math.min(bodyLength, handler.prefixLength(type, bodyLength)));
        bodyHave = 0;
        if (body.length < bodyWant) {
            body = Arrays.copyOf(body, Math.max(bodyWant, body.length * 2));
        }
        if (bodyWant == 0) {
            rest = bodyLength;
            restIsPayload = false;
            if (rest == 0) {
                headLen = 0;
            }
        }
    }

    private void prefixDone() throws Malformed {
        handler.onPrefix(type, new Reader(body, bodyWant), bodyLength);
        rest = bodyLength - bodyWant;
        restIsPayload = true;
        bodyWant = 0;
        bodyHave = 0;
        if (rest == 0) {
            headLen = 0;
        }
    }

    /** Reads SFTP fields from a buffered prefix; bounds violations are {@link Malformed}. */
    static final class Reader {
        private final byte[] b;
        private final int limit;
        private int pos;

        Reader(byte[] b, int limit) {
            this.b = b;
            this.limit = limit;
        }

        int position() {
            return pos;
        }

        int remaining() {
            return limit - pos;
        }

        byte[] buffer() {
            return b;
        }

        int u32() throws Malformed {
            need(4);
            int v = ((b[pos] & 0xFF) << 24) | ((b[pos + 1] & 0xFF) << 16) | ((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF);
            pos += 4;
            return v;
        }

        long u64() throws Malformed {
            long hi = u32() & 0xFFFFFFFFL;
            return (hi << 32) | (u32() & 0xFFFFFFFFL);
        }

        /** A string's length, checked against what is buffered. */
        int stringLength() throws Malformed {
            int n = u32();
            if (n < 0 || n > remaining()) {
                throw new Malformed("string length " + Integer.toUnsignedString(n) + " exceeds the packet");
            }
            return n;
        }

        String utf8() throws Malformed {
            int n = stringLength();
            String s = new String(b, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        /** Opaque bytes (handles) as a lossless map key. */
        String opaque() throws Malformed {
            int n = stringLength();
            String s = new String(b, pos, n, StandardCharsets.ISO_8859_1);
            pos += n;
            return s;
        }

        private void need(int n) throws Malformed {
            if (limit - pos < n) {
                throw new Malformed("packet ends inside a field");
            }
        }
    }
}
