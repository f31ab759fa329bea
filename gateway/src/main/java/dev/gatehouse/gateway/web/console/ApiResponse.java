package dev.gatehouse.gateway.web.console;

import java.util.function.Consumer;

/**
 * What an {@link ApiEndpoint} answers: a JSON value (serialised with Jackson by the front
 * controller), a complete body of another media type (asciicast v2, JSON Lines), or a stream
 * (server-sent events for observing a live session).
 */
public sealed interface ApiResponse {

    /** A JSON body; {@code value} is anything Jackson serialises (records, maps, lists). */
    record Json(int status, Object value) implements ApiResponse {}

    /**
     * A complete body. {@code fileName}, when not null, is sent as
     * {@code Content-Disposition: attachment; filename="..."} (a safe ASCII name).
     */
    record Body(int status, String contentType, byte[] bytes, String fileName) implements ApiResponse {}

    /**
     * A streamed body ({@code text/event-stream} for server-sent events, WHATWG HTML section 9.2):
     * the front controller sends the head, then calls {@code start} with a sink on which the
     * endpoint writes when it likes, from any thread.
     */
    record Stream(String contentType, Consumer<StreamSink> start) implements ApiResponse {}

    /** The writing end of a {@link Stream}. */
    interface StreamSink {
        /** Sends {@code text} (UTF-8) and flushes it; false once the client has gone. */
        boolean write(String text);

        /**
         * Whether the client takes data as fast as it is written (Netty's {@code Channel.isWritable()}:
         * the outbound buffer is under its high-water mark). A streamer that must not buffer without
         * bound waits, or drops the client, while this is false. True by default.
         */
        default boolean writable() {
            return true;
        }

        /** Ends the response. */
        void close();

        /** Runs {@code r} once when the client goes away or {@link #close} is called. */
        void onClose(Runnable r);
    }

    static ApiResponse ok(Object value) {
        return new Json(200, value);
    }

    static ApiResponse created(Object value) {
        return new Json(201, value);
    }
}
