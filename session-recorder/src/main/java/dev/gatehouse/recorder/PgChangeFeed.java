package dev.gatehouse.recorder;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChangeFeed} over PostgreSQL LISTEN/NOTIFY, with the polling of {@link PollingChangeFeed}
 * underneath as the fallback (DESIGN.md "Several instances and operations").
 *
 * <p>One connection of its own (not the store's pool, whose connections come and go), with
 * {@code application_name} {@value #APPLICATION_NAME}, LISTENs on {@code gatehouse_access} and
 * {@code gatehouse_live}; a notification's payload is the topic's sequence number as decimal text
 * (anything else is ignored: a notification is only a hint). When that connection fails it is
 * opened again after a backoff (0.1 s doubling to {@value #MAX_BACKOFF_MS} ms), and every listener
 * is called once it is back; meanwhile the poll keeps calling them every interval. {@link #publish}
 * delivers to this instance at once and sends {@code pg_notify} on a second own connection, from a
 * sender thread, so it never waits on the network; a NOTIFY that cannot be sent is dropped (the
 * others' polls catch up).
 *
 * <p>Channels are database-wide: instances of other gatehouse installations in other schemas of
 * the same database see these hints too, and only read their own tables on them.
 */
final class PgChangeFeed extends PollingChangeFeed {
    private static final Logger LOG = LoggerFactory.getLogger(PgChangeFeed.class);

    /** The {@code application_name} of the feed's connections (pg_stat_activity). */
    static final String APPLICATION_NAME = "gatehouse-change-feed";
    /** The {@code application_name} of the connection that sends the NOTIFYs (told apart from the listener's). */
    static final String SENDER_APPLICATION_NAME = "gatehouse-change-notify";
    /** Topic to channel. */
    static final Map<String, String> CHANNELS = Map.of(ACCESS, "gatehouse_access", LIVE, "gatehouse_live");
    static final long MAX_BACKOFF_MS = 5_000;
    /** How long one wait for notifications blocks; also how often the loop checks for close. */
    private static final int WAIT_MS = 500;
    /** Waits between two checks that a quiet listening connection still works. */
    private static final int CHECK_EVERY_WAITS = 20;

    private final String jdbcUrl;
    private final Thread listener;
    private final ThreadPoolExecutor sender;
    /** The NOTIFY connection; used on the sender thread only. */
    private Connection sendConnection;
    private volatile boolean closed;
    private volatile boolean listening;
    /** The listening connection's server process id (pg_stat_activity.pid), 0 while there is none. */
    private volatile int listenerPid;

    PgChangeFeed(String jdbcUrl, Duration pollInterval) {
        super(pollInterval);
        this.jdbcUrl = jdbcUrl;
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1_000), r -> {
            Thread t = new Thread(r, APPLICATION_NAME + "-notify");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
        this.listener = new Thread(this::listen, APPLICATION_NAME + "-listen");
        listener.setDaemon(true);
        listener.start();
    }

    /** Whether the LISTEN connection stands now (false while reconnecting: the poll delivers). */
    boolean listening() {
        return listening;
    }

    /** The server process id of the LISTEN connection, 0 while there is none. */
    int listenerPid() {
        return listening ? listenerPid : 0;
    }

    @Override
    public void publish(String topic, long seq) {
        super.publish(topic, seq);
        String channel = CHANNELS.get(topic);
        if (channel == null || closed) {
            return;
        }
        sender.execute(() -> send(channel, seq));
    }

    private void send(String channel, long seq) {
        try {
            if (sendConnection == null || sendConnection.isClosed()) {
                sendConnection = connect(SENDER_APPLICATION_NAME);
            }
            try (PreparedStatement ps = sendConnection.prepareStatement("SELECT pg_notify(?, ?)")) {
                ps.setString(1, channel);
                ps.setString(2, Long.toString(seq));
                ps.execute();
            }
        } catch (SQLException e) {
            LOG.warn("change feed: cannot announce {} #{} ({}); the other instances' polls catch up", channel, seq,
                    BatchWriter.describe(e));
            closeQuietly(sendConnection);
            sendConnection = null;
        }
    }

    private void listen() {
        long backoff = 100;
        while (!closed) {
            try (Connection c = connect(APPLICATION_NAME)) {
                try (Statement s = c.createStatement()) {
                    for (String channel : CHANNELS.values()) {
                        s.execute("LISTEN " + channel);
                    }
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                listenerPid = pg.getBackendPID();
                listening = true;
                backoff = 100;
                LOG.info("change feed: listening for other instances' changes (LISTEN/NOTIFY)");
                deliverAllSoon(); // whatever was announced while the connection was down
                int quiet = 0;
                while (!closed) {
                    PGNotification[] ns = pg.getNotifications(WAIT_MS);
                    if (ns == null || ns.length == 0) {
                        if (++quiet >= CHECK_EVERY_WAITS) {
                            quiet = 0;
                            check(c);
                        }
                        continue;
                    }
                    quiet = 0;
                    for (PGNotification n : ns) {
                        received(n.getName(), n.getParameter());
                    }
                }
            } catch (SQLException e) {
                listening = false;
                if (closed) {
                    return;
                }
                if (backoff == 100) { // the first failure in a row says so; the retries stay quiet
                    LOG.warn("change feed: the listening connection failed ({}); polling every {} ms meanwhile,"
                            + " reconnecting", BatchWriter.describe(e), pollInterval().toMillis());
                } else {
                    LOG.debug("change feed: reconnecting failed ({}); next try in {} ms", BatchWriter.describe(e), backoff);
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException stop) {
                    return;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
        }
        listening = false;
    }

    /** A connection the server dropped without a word (no RST) blocks no wait: a query finds it out. */
    private static void check(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
    }

    private void received(String channel, String payload) {
        for (Map.Entry<String, String> e : CHANNELS.entrySet()) {
            if (e.getValue().equals(channel)) {
                long seq = parseSeq(payload);
                if (seq >= 0) {
                    announced(e.getKey(), seq);
                } else {
                    LOG.debug("change feed: ignored a notification on {} whose payload is not a sequence number", channel);
                }
                return;
            }
        }
    }

    /** The payload's seq: 1-19 ASCII digits; -1 for anything else. */
    static long parseSeq(String payload) {
        if (payload == null || payload.isEmpty() || payload.length() > 19) {
            return -1;
        }
        for (int i = 0; i < payload.length(); i++) {
            char ch = payload.charAt(i);
            if (ch < '0' || ch > '9') {
                return -1;
            }
        }
        try {
            return Long.parseLong(payload);
        } catch (NumberFormatException tooLarge) {
            return -1;
        }
    }

    private Connection connect(String applicationName) throws SQLException {
        Properties p = new Properties();
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("connectTimeout", "5");
        p.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(jdbcUrl, p);
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // going anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
        sender.shutdownNow();
        try {
            sender.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(sendConnection);
        super.close();
    }
}
