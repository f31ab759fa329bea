package dev.gatehouse.gateway.ops;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-process syslog receiver on a loopback port: reads RFC 6587 octet-counted frames
 * ({@code LEN SP MSG}) and keeps every message; a frame that is not octet counted fails the
 * connection, so a test sees it as missing messages. {@link #dropConnections()} closes what is
 * connected, as a receiver restart would.
 */
final class SyslogReceiver implements AutoCloseable {
    final List<String> messages = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private final Thread acceptor;

    SyslogReceiver() throws IOException {
        this(null);
    }

    /** A receiver speaking TLS (RFC 5425) with {@code tls}'s key and certificate, or plain TCP when null. */
    SyslogReceiver(javax.net.ssl.SSLContext tls) throws IOException {
        server = tls == null ? new ServerSocket(0, 50, InetAddress.getLoopbackAddress())
                : tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "syslog-receiver");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread t = new Thread(() -> read(s), "syslog-receiver-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void read(Socket s) {
        try (s; InputStream in = new BufferedInputStream(s.getInputStream())) {
            while (true) {
                int len = 0;
                int c = in.read();
                if (c < 0) {
                    return;
                }
                while (c != ' ') {
                    if (c < '0' || c > '9') {
                        throw new IOException("not octet counted: byte " + c);
                    }
                    len = len * 10 + (c - '0');
                    c = in.read();
                }
                byte[] msg = in.readNBytes(len);
                if (msg.length < len) {
                    return;
                }
                messages.add(new String(msg, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // connection dropped
        } finally {
            open.remove(s);
        }
    }

    /** Closes every open connection (the receiver went away); it keeps accepting new ones. */
    void dropConnections() throws IOException {
        for (Socket s : open) {
            s.close();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropConnections();
    }
}
