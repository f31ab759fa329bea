package dev.gatehouse.gateway.ops;

import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.StoredEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes this gateway's audit chain to a syslog receiver (RFC 5424 messages, RFC 6587 octet
 * counting over TCP, or RFC 5425 over TLS), each event at least once, in sequence order.
 *
 * <p>Implementation notes. One daemon thread reads committed events after its cursor from the
 * store ({@link AuditStore#chainEvents}), so neither the audit writer nor any session ever waits
 * on the receiver. Syslog over TCP has no acknowledgement, so a batch counts as delivered only
 * when the connection is seen alive at the next poll after the write (the receiver has not
 * closed or reset it); only then is the cursor saved. A failed write or a dead connection sends
 * again from the saved cursor after a reconnect: a receiver may see an event twice (the chain
 * and seq in its structured data tell duplicates apart), never a gap, unless it crashes after
 * taking bytes it did not keep. Reconnects back off exponentially from {@code minBackoff} to
 * {@code maxBackoff}.
 */
final class SyslogSink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyslogSink.class);
    /** Events written per batch (and per cursor save). */
    static final int BATCH = 256;
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private final GatewayConfig.Syslog config;
    private final AuditStore store;
    private final String chain;
    private final SyslogCursor cursorFile;
    private final Rfc5424 format;
    private final SSLContext tls;
    private final Duration poll;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Thread thread;
    private final Object wake = new Object();
    private final AtomicLong delivered = new AtomicLong();
    private volatile long cursor;
    private volatile boolean connected;
    private volatile boolean stopping;
    private volatile Socket socket;
    /** Last seq written on the current connection but not yet confirmed by a liveness check. */
    private long written;

    /**
     * @param config the {@code audit.syslog} section
     * @param store the audit store, read by chain and sequence
     * @param dataDir where the cursor file lives
     * @param poll how often the store is asked for new events when there were none
     * @param minBackoff first wait after a failed connect or write
     * @param maxBackoff longest wait between attempts
     * @throws IOException when the CA file of a TLS receiver cannot be read
     */
    public SyslogSink(GatewayConfig.Syslog config, AuditStore store, Path dataDir, Duration poll, Duration minBackoff,
            Duration maxBackoff) throws IOException {
        this.config = config;
        this.store = store;
        this.chain = store.chainId();
        this.cursorFile = new SyslogCursor(dataDir.resolve("audit-syslog.cursor"), chain, receiver());
        this.format = new Rfc5424(hostname(), config.appName(), Long.toString(ProcessHandle.current().pid()), config.facility());
        this.tls = config.tls() ? tlsContext(config.caFile().orElseThrow()) : null;
        this.poll = poll;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.cursor = cursorFile.load();
        this.written = cursor;
        this.thread = new Thread(this::run, "gatehouse-audit-syslog");
        this.thread.setDaemon(true);
    }

    /** With the defaults: poll every 200 ms, back off from 100 ms to 30 s. */
    public static SyslogSink open(GatewayConfig.Syslog config, AuditStore store, Path dataDir) throws IOException {
        return new SyslogSink(config, store, dataDir, Duration.ofMillis(200), Duration.ofMillis(100), Duration.ofSeconds(30));
    }

    public void start() {
        thread.start();
    }

    /** The last sequence number confirmed delivered (and saved). */
    public long cursor() {
        return cursor;
    }

    /** Events confirmed delivered since start. */
    public long delivered() {
        return delivered.get();
    }

    public boolean connected() {
        return connected;
    }

    /** {@code host:port}, as the cursor names its receiver. */
    String receiver() {
        return dev.gatehouse.gateway.config.HostPort.format(config.host(), config.port());
    }

    private void run() {
        Duration backoff = minBackoff;
        boolean reportedDown = false;
        while (!stopping) {
            try {
                if (socket == null) {
                    socket = connect();
                    connected = true;
                    written = cursor;
                    if (reportedDown) {
                        LOG.info("audit.syslog: connected to {} again; resuming after seq {}", receiver(), cursor);
                    }
                    reportedDown = false;
                }
                confirm();
                List<StoredEvent> batch = store.chainEvents(chain, written, BATCH);
                if (batch.isEmpty()) {
                    await(poll);
                    continue;
                }
                OutputStream out = socket.getOutputStream();
                for (StoredEvent e : batch) {
                    out.write(Rfc5424.frame(format.message(e)));
                }
                out.flush();
                written = batch.get(batch.size() - 1).seq();
                backoff = minBackoff;
                if (batch.size() < BATCH) {
                    await(poll);
                }
            } catch (IOException | RuntimeException e) {
                disconnect();
                if (stopping) {
                    break;
                }
                if (!reportedDown) {
                    reportedDown = true;
                    LOG.warn("audit.syslog: cannot deliver to {} ({}); retrying with backoff, from seq {}", receiver(),
                            OpsHandler.oneLine(String.valueOf(e.getMessage())), cursor + 1);
                }
                await(backoff);
                backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Saves the cursor up to what was written once the connection is seen alive: the receiver has
     * neither closed it (a read returns end of stream) nor reset it (a read fails). The receiver
     * never sends, so a read that times out means alive.
     */
    private void confirm() throws IOException {
        if (written == cursor) {
            return;
        }
        alive();
        cursorFile.save(written);
        delivered.addAndGet(written - cursor);
        cursor = written;
    }

    private void alive() throws IOException {
        Socket s = socket;
        InputStream in = s.getInputStream();
        int before = s.getSoTimeout();
        s.setSoTimeout(1);
        try {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the receiver closed the connection");
            }
            // a receiver that talks back is not syslog; keep going, its bytes are ignored
        } catch (SocketTimeoutException alive) {
            // nothing to read: still open
        } finally {
            s.setSoTimeout(before);
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(config.host(), config.port()), CONNECT_TIMEOUT_MS);
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            if (tls == null) {
                return s;
            }
            SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, config.host(), config.port(), true);
            SSLParameters p = ssl.getSSLParameters();
            p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            // RFC 5425 section 5.2: the receiver's certificate must name the host we dialled
            p.setEndpointIdentificationAlgorithm("HTTPS");
            if (!config.host().matches("[0-9.:\\[\\]]+")) {
                p.setServerNames(List.of(new SNIHostName(config.host())));
            }
            ssl.setSSLParameters(p);
            ssl.setSoTimeout(CONNECT_TIMEOUT_MS);
            ssl.startHandshake();
            ssl.setSoTimeout(0);
            return ssl;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void disconnect() {
        connected = false;
        Socket s = socket;
        socket = null;
        written = cursor;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing a broken connection
            }
        }
    }

    private void await(Duration d) {
        synchronized (wake) {
            if (stopping) {
                return;
            }
            try {
                wake.wait(Math.max(1, d.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping = true;
            }
        }
    }

    /** Stops the thread: what was written and is confirmed by a last liveness check is saved. */
    @Override
    public void close() {
        stopping = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(3));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            // blocked writing to a receiver that stopped reading: closing the socket ends the write
            disconnect();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        if (socket != null) {
            try {
                confirm();
            } catch (IOException | RuntimeException e) {
                LOG.debug("audit.syslog: last batch not confirmed at stop ({}); it is sent again at the next start", e.toString());
            }
            disconnect();
        }
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "-";
        }
    }

    private static SSLContext tlsContext(Path caFile) throws IOException {
        try (var in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> cas = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (cas.isEmpty()) {
                throw new IOException("audit.syslog.ca_file " + caFile + " holds no PEM certificate");
            }
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate c : cas) {
                trust.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("audit.syslog.ca_file " + caFile + " is not a PEM CA certificate: " + e.getMessage(), e);
        }
    }
}
