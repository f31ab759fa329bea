package dev.gatehouse.gateway.web;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * One duplex byte stream to an app on a node: a {@code direct-tcpip} channel (RFC 4254 section
 * 7.2) through the node's sshd, or a TCP (or TLS) connection to an {@code http(s)://} target. The
 * app proxy speaks HTTP/1.1 over it; the stream knows nothing of HTTP.
 *
 * <p>Flow control is explicit, so that memory stays bounded end to end: a writer writes again only
 * once the previous {@link #write} has completed, and the stream delivers the next chunk to its
 * {@link Reader} only once the reader has called the {@code more} callback of the previous one.
 * Implementations are thread-safe; callbacks may run on any thread (callers hop to their own event
 * loop).
 */
public interface AppStream {

    /** Receives the app's bytes, one chunk at a time. */
    interface Reader {
        /**
         * A chunk from the app. The reader owns {@code data} (releases it); {@code more} asks for the
         * next chunk and must be called exactly once, when the reader can take more.
         */
        void onData(ByteBuf data, Runnable more);

        /** The app closed its side (EOF): no more data follows. */
        void onEnd();

        /** The stream broke; no more callbacks follow. */
        void onFailure(Throwable cause);
    }

    /**
     * Sends {@code data} (ownership passes to the stream) to the app.
     *
     * @return completes once the bytes are handed on within the transport's window; fails when the
     *     stream is closed or broken. At most one write may be outstanding.
     */
    CompletableFuture<Void> write(ByteBuf data);

    /** Starts delivering the app's bytes to {@code reader}; called once. */
    void read(Reader reader);

    /** Half-close: no more bytes go to the app (SSH_MSG_CHANNEL_EOF, or TCP shutdown of output). */
    void shutdownOutput();

    /** Closes both directions now; idempotent. */
    void close();

    /** What this stream is, for logs and audit, such as {@code ssh direct-tcpip 127.0.0.1:8888 via gpu-node-1 (cert 42)}. */
    String describe();
}
