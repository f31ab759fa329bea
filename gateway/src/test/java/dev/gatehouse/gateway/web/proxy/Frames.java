package dev.gatehouse.gateway.web.proxy;

import java.io.ByteArrayOutputStream;

/** Builds RFC 6455 frames (section 5.2) for tests: masked as a client sends them, unmasked as a server does. */
final class Frames {
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    private static final byte[] KEY = {0x37, (byte) 0xfa, 0x21, 0x3d};

    private Frames() {}

    static byte[] frame(int opcode, byte[] payload, boolean masked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x80 | opcode);
        int maskBit = masked ? 0x80 : 0;
        long n = payload.length;
        if (n < 126) {
            out.write(maskBit | (int) n);
        } else if (n <= 0xffff) {
            out.write(maskBit | 126);
            out.write((int) (n >>> 8));
            out.write((int) n);
        } else {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (n >>> shift));
            }
        }
        if (masked) {
            out.writeBytes(KEY);
            byte[] m = payload.clone();
            for (int i = 0; i < m.length; i++) {
                m[i] ^= KEY[i % 4];
            }
            out.writeBytes(m);
        } else {
            out.writeBytes(payload);
        }
        return out.toByteArray();
    }

    static byte[] close(int code, boolean masked) {
        return frame(CLOSE, new byte[] {(byte) (code >>> 8), (byte) code, 'b', 'y', 'e'}, masked);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
