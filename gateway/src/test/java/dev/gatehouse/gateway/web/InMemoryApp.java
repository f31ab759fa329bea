package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.Identity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link AppConnector} whose every stream is an in-memory HTTP/1.1 app: for each request head it
 * receives (bodiless requests) it answers 200 with the head it got as the body, so tests see exactly
 * what the gateway sent upstream.
 */
final class InMemoryApp implements AppConnector {
    /** The app session ids streams were opened for. */
    final List<String> opened = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId) {
        opened.add(appSessionId);
        return CompletableFuture.completedFuture(new Stream());
    }

    @Override
    public void close() {
    }

    private static final class Stream implements AppStream {
        private final StringBuilder received = new StringBuilder();
        private Reader reader;

        @Override
        public synchronized CompletableFuture<Void> write(ByteBuf data) {
            received.append(data.toString(StandardCharsets.ISO_8859_1));
            data.release();
            int end;
            while ((end = received.indexOf("\r\n\r\n")) >= 0) {
                String head = received.substring(0, end + 4);
                received.delete(0, end + 4);
                byte[] body = head.getBytes(StandardCharsets.ISO_8859_1);
                String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length + "\r\n\r\n";
                ByteBuf out = Unpooled.buffer();
                out.writeBytes(response.getBytes(StandardCharsets.ISO_8859_1)).writeBytes(body);
                reader.onData(out, () -> { });
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public synchronized void read(Reader r) {
            this.reader = r;
        }

        @Override
        public void shutdownOutput() {
        }

        @Override
        public void close() {
        }

        @Override
        public String describe() {
            return "in-memory app";
        }
    }
}
