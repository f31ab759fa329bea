package dev.gatehouse.recorder;

import static dev.gatehouse.recorder.SftpPackets.close;
import static dev.gatehouse.recorder.SftpPackets.data;
import static dev.gatehouse.recorder.SftpPackets.handle;
import static dev.gatehouse.recorder.SftpPackets.init;
import static dev.gatehouse.recorder.SftpPackets.open;
import static dev.gatehouse.recorder.SftpPackets.read;
import static dev.gatehouse.recorder.SftpPackets.status;
import static dev.gatehouse.recorder.SftpPackets.version;
import static dev.gatehouse.recorder.SftpPackets.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SftpStreamObserverTest {
    private static final int READ = 1, WRITE_CREAT_TRUNC = 2 | 8 | 16;
    private static final int BLOCK = 32_768;

    private final List<FileOperation> ops = new ArrayList<>();
    private final SftpObserver observer = SftpObserver.create(ops::add);

    private static byte[] content(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static Random fragmentation(long seed) {
        return seed < 0 ? null : new Random(seed);
    }

    static SftpPackets upload(String path, byte[] file) {
        SftpPackets c = new SftpPackets().client(init()).server(version())
                .client(open(1, path, WRITE_CREAT_TRUNC)).server(handle(1, "h-1"));
        int id = 2;
        for (int off = 0; off < file.length; off += BLOCK) {
            int n = Math.min(BLOCK, file.length - off);
            c.client(write(id++, "h-1", off, file, off, n));
        }
        for (int i = 2; i < id; i++) {
            c.server(status(i, 0, "Success"));
        }
        return c.client(close(id, "h-1")).server(status(id, 0, "Success"));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 1, 2, 3, 42})
    void uploadIsReportedWithItsSha256WhateverTheFragmentation(long seed) throws Exception {
        byte[] file = content(200_001);
        upload("/srv/models/weights.bin", file).feed(observer, fragmentation(seed));
        observer.close();
        assertThat(ops).containsExactly(
                new FileOperation("upload", "/srv/models/weights.bin", null, file.length, sha256(file), "ok"));
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, 5, 6, 7})
    void downloadIsReportedWithItsSha256WhateverTheFragmentation(long seed) throws Exception {
        byte[] file = content(100_000);
        SftpPackets c = new SftpPackets().client(init()).server(version())
                .client(open(7, "/etc/hosts", READ)).server(handle(7, "H"));
        int id = 8;
        List<Integer> ids = new ArrayList<>();
        for (int off = 0; off < file.length + BLOCK; off += BLOCK) { // pipelined, one read past the end
            c.client(read(id, "H", off, BLOCK));
            ids.add(id++);
        }
        for (int k = 0; k < ids.size(); k++) {
            int off = k * BLOCK;
            c.server(off < file.length ? data(ids.get(k), file, off, Math.min(BLOCK, file.length - off))
                    : status(ids.get(k), 1, "End of file"));
        }
        c.client(close(id, "H")).server(status(id, 0, "Success"));
        c.feed(observer, fragmentation(seed));
        assertThat(ops).containsExactly(new FileOperation("download", "/etc/hosts", null, 100_000, sha256(file), "ok"));
    }

    @Test
    void outOfOrderReadsCountBytesButGiveNoHash() {
        byte[] file = content(3 * BLOCK);
        new SftpPackets().client(open(1, "/data/x", READ)).server(handle(1, "H"))
                .client(read(2, "H", 0, BLOCK)).client(read(3, "H", BLOCK, BLOCK)).client(read(4, "H", 2 * BLOCK, BLOCK))
                .server(data(3, file, BLOCK, BLOCK)).server(data(2, file, 0, BLOCK)).server(data(4, file, 2 * BLOCK, BLOCK))
                .client(close(5, "H")).server(status(5, 0, "ok"))
                .feed(observer, new Random(9));
        assertThat(ops).containsExactly(new FileOperation("download", "/data/x", null, 3 * BLOCK, null, "ok"));
    }

    @Test
    void metadataOperationsReportTheNodesAnswer() {
        new SftpPackets()
                .client(SftpPackets.remove(1, "/tmp/old.log")).server(status(1, 0, "Success"))
                .client(SftpPackets.rename(2, "/tmp/a", "/tmp/b")).server(status(2, 2, "No such file"))
                .client(SftpPackets.mkdir(3, "/tmp/new")).server(status(3, 0, "Success"))
                .client(SftpPackets.rmdir(4, "/root")).server(status(4, 3, ""))
                .client(SftpPackets.stat(5, "/tmp")).server(SftpPackets.attrs(5))
                .feed(observer, null);
        assertThat(ops).containsExactly(
                new FileOperation("remove", "/tmp/old.log", null, 0, null, "ok"),
                new FileOperation("rename", "/tmp/a", "/tmp/b", 0, null, "No such file"),
                new FileOperation("mkdir", "/tmp/new", null, 0, null, "ok"),
                new FileOperation("rmdir", "/root", null, 0, null, "permission denied"));
    }

    @Test
    void failedOpensAndEmptyFilesAreReported() throws Exception {
        new SftpPackets()
                .client(open(1, "/etc/shadow", READ)).server(status(1, 3, "Permission denied"))
                .client(open(2, "/tmp/empty", WRITE_CREAT_TRUNC)).server(handle(2, "E"))
                .client(close(3, "E")).server(status(3, 0, "Success"))
                .feed(observer, new Random(1));
        assertThat(ops).containsExactly(
                new FileOperation("download", "/etc/shadow", null, 0, null, "Permission denied"),
                new FileOperation("upload", "/tmp/empty", null, 0, sha256(new byte[0]), "ok"));
    }

    @Test
    void aFailedWriteMarksTheUpload() {
        byte[] file = content(10);
        new SftpPackets().client(open(1, "/full/disk", WRITE_CREAT_TRUNC)).server(handle(1, "h"))
                .client(write(2, "h", 0, file, 0, 10)).server(status(2, 4, "No space left on device"))
                .client(close(3, "h")).server(status(3, 0, "Success"))
                .feed(observer, null);
        assertThat(ops).containsExactly(new FileOperation("upload", "/full/disk", null, 10, null, "No space left on device"));
    }

    @Test
    void aHugeLengthIsReportedOnceAsUnparseableAndNeverThrows() {
        byte[] bogus = {(byte) 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 6, 1, 2, 3};
        assertThatCode(() -> {
            observer.clientToServer(bogus, 0, bogus.length);
            observer.clientToServer(bogus, 0, bogus.length);
            observer.serverToClient(bogus, 0, bogus.length);
            observer.close();
        }).doesNotThrowAnyException();
        assertThat(ops).hasSize(1);
        assertThat(ops.get(0).op()).isEqualTo("unparseable");
        assertThat(ops.get(0).status()).isEqualTo("unparseable");
        assertThat(ops.get(0).target()).contains("client packet length 2147483647");
    }

    @Test
    void stringLengthsBeyondThePacketAreUnparseable() {
        byte[] badOpen = SftpPackets.packet(3, b -> b.u32(1).u32(-5).u32(0));
        observer.clientToServer(badOpen, 0, badOpen.length);
        assertThat(ops).extracting(FileOperation::op).containsExactly("unparseable");
    }

    @Test
    void aWriteOfTheLargestLegalSizeIsAcceptedByteByByte() throws Exception {
        byte[] file = content(256 * 1024);
        SftpPackets c = new SftpPackets().client(open(1, "/big", WRITE_CREAT_TRUNC)).server(handle(1, "h"))
                .client(write(2, "h", 0, file, 0, file.length)).server(status(2, 0, ""))
                .client(close(3, "h")).server(status(3, 0, ""));
        c.feed(observer, new Random(3) {
            private static final long serialVersionUID = 1L;

            @Override
            public int nextInt(int bound) {
                return 0; // every call gets one byte
            }
        });
        assertThat(ops).containsExactly(new FileOperation("upload", "/big", null, file.length, sha256(file), "ok"));
    }

    @Test
    void filesStillOpenAtTheEndAreReportedIncomplete() {
        byte[] file = content(1000);
        new SftpPackets().client(open(1, "/tmp/partial", WRITE_CREAT_TRUNC)).server(handle(1, "h"))
                .client(write(2, "h", 0, file, 0, 1000)).feed(observer, null);
        observer.close();
        observer.close();
        assertThat(ops).containsExactly(new FileOperation("upload", "/tmp/partial", null, 1000, null, "incomplete"));
    }

    @Test
    void openHandlesAreCappedAndTheOldestReportedIncomplete() {
        SftpPackets c = new SftpPackets();
        for (int i = 0; i <= SftpStreamObserver.MAX_HANDLES; i++) {
            c.client(open(i, "/f" + i, READ)).server(handle(i, "h" + i));
        }
        c.feed(observer, null);
        assertThat(ops).containsExactly(new FileOperation("download", "/f0", null, 0, null, "incomplete"));
    }

    @Test
    void aFailingSinkIsNotMistakenForBadInput() {
        // Threat: an audit-store outage must end the transfer (fail closed), not vanish as "unparseable".
        SftpObserver failing = SftpObserver.create(op -> {
            throw new StoreUnavailableException("store down");
        });
        byte[] remove = SftpPackets.remove(1, "/x");
        byte[] ok = status(1, 0, "");
        failing.clientToServer(remove, 0, remove.length);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> failing.serverToClient(ok, 0, ok.length))
                .isInstanceOf(StoreUnavailableException.class).hasMessage("store down");
    }
}
