package dev.gatehouse.gateway.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A slow network path to a node: accepts connections on a loopback port and passes them on to the
 * node only once {@link #release} is called, so a test can act while the gateway is still
 * connecting upstream. Shared with the end-to-end tests through the gateway module's test jar.
 */
public final class HeldProxy implements AutoCloseable {
    private final ServerSocket socket;
    private final CountDownLatch released = new CountDownLatch(1);
    private final CountDownLatch accepted = new CountDownLatch(1);

    public HeldProxy(int nodePort) throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    accepted.countDown();
                    Thread relay = new Thread(() -> relay(client, nodePort));
                    relay.setDaemon(true);
                    relay.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Waits until the gateway has connected to the proxy. */
    public boolean awaitConnected() throws InterruptedException {
        return accepted.await(20, TimeUnit.SECONDS);
    }

    /** Lets held and later connections through to the node. */
    public void release() {
        released.countDown();
    }

    private void relay(Socket client, int nodePort) {
        try (client; Socket upstream = new Socket("127.0.0.1", nodePort)) {
            released.await(30, TimeUnit.SECONDS);
            Thread up = new Thread(() -> pipe(client, upstream));
            up.setDaemon(true);
            up.start();
            pipe(upstream, client);
            up.join();
        } catch (IOException | InterruptedException e) {
            // test over
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        released.countDown();
        socket.close();
    }
}
