package dev.gatehouse.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A TCP echo service on the loopback: every byte back, each connection on its own daemon thread. */
final class EchoServer implements AutoCloseable {
    private final ServerSocket socket;

    private EchoServer(ServerSocket socket) {
        this.socket = socket;
    }

    /** Listens on an ephemeral loopback port and serves until {@link #close()}. */
    static EchoServer start() throws IOException {
        EchoServer echo = new EchoServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        Thread t = new Thread(echo::serve, "echo");
        t.setDaemon(true);
        t.start();
        return echo;
    }

    int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                Thread c = new Thread(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        in.transferTo(out);
                    } catch (Exception e) {
                        // connection over
                    }
                });
                c.setDaemon(true);
                c.start();
            } catch (Exception e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
