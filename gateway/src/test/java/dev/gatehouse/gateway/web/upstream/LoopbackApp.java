package dev.gatehouse.gateway.web.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A tiny app on a TCP port: {@link #echo} sends every byte back and closes its side after the
 * client's EOF; {@link #source} sends {@code n} bytes of a known pattern ({@link #patternByte})
 * and closes. Each connection runs on its own daemon thread with blocking I/O, so a source that
 * the gateway does not read from blocks in write once the window and socket buffers are full.
 */
final class LoopbackApp implements AutoCloseable {
    private interface Serve {
        void serve(InputStream in, OutputStream out) throws IOException;
    }

    private final ServerSocket socket;
    private final Serve serve;
    /** Connections accepted. */
    final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

    private LoopbackApp(InetAddress address, Serve serve) throws IOException {
        this.socket = new ServerSocket(0, 50, address);
        this.serve = serve;
        Thread t = new Thread(this::accept, "loopback-app");
        t.setDaemon(true);
        t.start();
    }

    static LoopbackApp echo() throws IOException {
        return echo(InetAddress.getLoopbackAddress());
    }

    static LoopbackApp echo(InetAddress address) throws IOException {
        return new LoopbackApp(address, (in, out) -> in.transferTo(out));
    }

    static LoopbackApp source(long n) throws IOException {
        return source(InetAddress.getLoopbackAddress(), n);
    }

    static LoopbackApp source(InetAddress address, long n) throws IOException {
        return new LoopbackApp(address, (in, out) -> {
            byte[] block = new byte[64 * 1024];
            long sent = 0;
            while (sent < n) {
                int len = (int) Math.min(block.length, n - sent);
                for (int i = 0; i < len; i++) {
                    block[i] = patternByte(sent + i);
                }
                out.write(block, 0, len);
                sent += len;
            }
        });
    }

    /** Byte {@code i} of what a source sends. */
    static byte patternByte(long i) {
        return (byte) (i * 31 + (i >>> 8));
    }

    int port() {
        return socket.getLocalPort();
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                accepted.incrementAndGet();
                Thread c = new Thread(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        serve.serve(in, out);
                        out.flush();
                        s.shutdownOutput();
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        // the connection is over
                    }
                }, "loopback-app-conn");
                c.setDaemon(true);
                c.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
