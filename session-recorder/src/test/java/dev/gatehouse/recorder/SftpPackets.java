package dev.gatehouse.recorder;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Builds SFTP v3 packets and plays a two-way conversation into an observer, optionally fragmented. */
final class SftpPackets {
    private final List<Boolean> fromClient = new ArrayList<>();
    private final List<byte[]> packets = new ArrayList<>();

    SftpPackets client(byte[] packet) {
        fromClient.add(true);
        packets.add(packet);
        return this;
    }

    SftpPackets server(byte[] packet) {
        fromClient.add(false);
        packets.add(packet);
        return this;
    }

    /** Feeds the conversation in order; runs of one direction are joined and cut at random sizes (or not at all). */
    void feed(SftpObserver observer, Random random) {
        int i = 0;
        while (i < packets.size()) {
            boolean client = fromClient.get(i);
            ByteArrayOutputStream run = new ByteArrayOutputStream();
            while (i < packets.size() && fromClient.get(i) == client) {
                run.writeBytes(packets.get(i++));
            }
            byte[] bytes = run.toByteArray();
            int pos = 0;
            while (pos < bytes.length) {
                int n = random == null ? bytes.length : Math.min(bytes.length - pos, 1 + random.nextInt(random.nextBoolean() ? 7 : 40_000));
                // feed from an offset into a larger array to catch offset bugs
                byte[] padded = new byte[n + 6];
                System.arraycopy(bytes, pos, padded, 3, n);
                if (client) {
                    observer.clientToServer(padded, 3, n);
                } else {
                    observer.serverToClient(padded, 3, n);
                }
                pos += n;
            }
        }
    }

    static byte[] init() {
        return packet(1, b -> b.u32(3));
    }

    static byte[] version() {
        return packet(2, b -> b.u32(3));
    }

    static byte[] open(int id, String path, int pflags) {
        return packet(3, b -> b.u32(id).str(path).u32(pflags).u32(0));
    }

    static byte[] handle(int id, String handle) {
        return packet(102, b -> b.u32(id).str(handle));
    }

    static byte[] write(int id, String handle, long offset, byte[] data, int from, int length) {
        return packet(6, b -> b.u32(id).str(handle).u64(offset).u32(length).raw(data, from, length));
    }

    static byte[] read(int id, String handle, long offset, int length) {
        return packet(5, b -> b.u32(id).str(handle).u64(offset).u32(length));
    }

    static byte[] data(int id, byte[] data, int from, int length) {
        return packet(103, b -> b.u32(id).u32(length).raw(data, from, length));
    }

    static byte[] close(int id, String handle) {
        return packet(4, b -> b.u32(id).str(handle));
    }

    static byte[] status(int id, int code, String message) {
        return packet(101, b -> b.u32(id).u32(code).str(message).str(""));
    }

    static byte[] remove(int id, String path) {
        return packet(13, b -> b.u32(id).str(path));
    }

    static byte[] mkdir(int id, String path) {
        return packet(14, b -> b.u32(id).str(path).u32(0));
    }

    static byte[] rmdir(int id, String path) {
        return packet(15, b -> b.u32(id).str(path));
    }

    static byte[] rename(int id, String from, String to) {
        return packet(18, b -> b.u32(id).str(from).str(to));
    }

    static byte[] stat(int id, String path) {
        return packet(17, b -> b.u32(id).str(path));
    }

    static byte[] attrs(int id) {
        return packet(105, b -> b.u32(id).u32(0));
    }

    interface Body {
        void write(Buf b);
    }

    static byte[] packet(int type, Body body) {
        Buf b = new Buf();
        body.write(b);
        byte[] payload = b.out.toByteArray();
        return ByteBuffer.allocate(5 + payload.length).putInt(payload.length + 1).put((byte) type).put(payload).array();
    }

    static final class Buf {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Buf u32(int v) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
            return this;
        }

        Buf u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).putLong(v).array());
            return this;
        }

        Buf str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u32(b.length).raw(b, 0, b.length);
        }

        Buf raw(byte[] b, int from, int length) {
            out.write(b, from, length);
            return this;
        }
    }
}
