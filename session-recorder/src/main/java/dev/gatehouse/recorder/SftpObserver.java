package dev.gatehouse.recorder;

import java.util.function.Consumer;

/**
 * Watches an SFTP (v3) byte stream in both directions without changing it, and reports each
 * file operation when it completes. Robust to arbitrary packet fragmentation; malformed input
 * stops observation (reported once as an operation with status {@code unparseable}) but never
 * throws into the data path. Memory is bounded (open handles and pending requests are capped).
 */
public interface SftpObserver {

    /** Bytes the client sent to the node. */
    void clientToServer(byte[] data, int offset, int length);

    /** Bytes the node sent to the client. */
    void serverToClient(byte[] data, int offset, int length);

    /** The stream ended: report files still open as partial operations. */
    void close();

    static SftpObserver create(Consumer<FileOperation> sink) {
        return new SftpStreamObserver(sink);
    }
}
