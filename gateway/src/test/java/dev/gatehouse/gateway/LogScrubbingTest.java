package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Threat: an audit record's contents (user names, key fingerprints) reach the gateway's log when
 * the database fails: HikariCP logs a broken connection with the driver's exception, and pgjdbc's
 * batch error reads "Batch entry 0 INSERT ... VALUES (...)" with every value, its server detail
 * "Failing row contains (...)". The log pattern ({@code logback.xml}, {@link LogText}) shows a
 * database error's class, SQLState and first line only, whoever logs it.
 */
class LogScrubbingTest {
    static final String SECRET = "SHA256:fingerprint-of-alice";

    @Test
    void aDatabaseErrorLoggedByTheConnectionPoolShowsNoRecordValues() {
        SQLException server = new SQLException("ERROR: null value in column \"hash\" violates not-null constraint\n"
                + "  Detail: Failing row contains (gw-1, 7, alice, " + SECRET + ").", "23502");
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 INSERT INTO audit_events (user_name, details)"
                + " VALUES (('alice'), ('{\"fingerprint\":\"" + SECRET + "\"}')) was aborted: ERROR: ...", "08006", 0,
                new int[0], server);
        batch.setNextException(server);
        SQLException wrapped = new SQLTransientConnectionException("ERROR: invalid input syntax for type bigint: \"" + SECRET + "\"", "22P02",
                batch);
        wrapped.addSuppressed(new SQLException("cannot rollback \"" + SECRET + "\"", "08003"));

        String written = log("com.zaxxer.hikari.pool.ProxyConnection", wrapped);

        assertThat(written).doesNotContain(SECRET).doesNotContain("alice").doesNotContain("VALUES")
                .contains("java.sql.BatchUpdateException: [08006] batch statement failed")
                .contains("java.sql.SQLTransientConnectionException: [22P02] ERROR: invalid input syntax for type bigint: \"…\"")
                .contains("[23502] ERROR: null value in column \"…\" violates not-null constraint")
                .contains("at dev.gatehouse.gateway.LogScrubbingTest");
    }

    @Test
    void otherExceptionsKeepTheirMessage() {
        assertThat(log("dev.gatehouse.gateway.Gateway", new IllegalStateException("listen address taken: 127.0.0.1:2222")))
                .contains("java.lang.IllegalStateException: listen address taken: 127.0.0.1:2222");
    }

    /** What the gateway's stderr appender writes for an error logged with {@code thrown}. */
    private static String log(String loggerName, Throwable thrown) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        Encoder<ILoggingEvent> encoder = ((ConsoleAppender<ILoggingEvent>) root.getAppender("STDERR")).getEncoder();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        try {
            LoggerFactory.getLogger(loggerName).warn("pool - connection marked as broken", thrown);
        } finally {
            root.detachAppender(appender);
        }
        assertThat(appender.list).hasSize(1);
        return new String(encoder.encode(appender.list.get(0)), StandardCharsets.UTF_8);
    }
}
