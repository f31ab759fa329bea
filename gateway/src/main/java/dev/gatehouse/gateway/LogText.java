package dev.gatehouse.gateway;

import ch.qos.logback.classic.pattern.ExtendedThrowableProxyConverter;
import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import dev.gatehouse.policy.Printable;
import dev.gatehouse.recorder.SqlErrors;
import java.sql.SQLException;

/**
 * Log lines follow the one escaping rule too ({@link Printable}): libraries log what clients
 * send (MINA quotes a stranger's key-exchange algorithm names when negotiation fails), and an
 * operator reads the log in a terminal. Plugged into the logback pattern as {@code %safeMsg} and
 * {@code %safeEx} (see {@code logback.xml}), so every logger's output passes through it, ours and
 * the libraries'.
 */
public final class LogText {
    private LogText() {}

    /** The message on one line: line breaks and every other character the rule names are escaped, so no line can be forged. */
    public static final class Message extends MessageConverter {
        @Override
        public String convert(ILoggingEvent event) {
            return Printable.escape(super.convert(event));
        }
    }

    /**
     * A stack trace keeps its line breaks; everything else the rule names (in exception messages) is escaped.
     * Database errors show their class, SQLState and first line only ({@link SqlErrors#safeMessage}), whoever
     * logs them: the pool logs a broken connection with the driver's error, and pgjdbc's batch errors carry
     * the whole {@code INSERT ... VALUES (...)} of an audit record.
     */
    public static final class Throwable extends ExtendedThrowableProxyConverter {
        @Override
        public String convert(ILoggingEvent event) {
            return Printable.escapeKeepingLines(super.convert(event));
        }

        @Override
        protected String throwableProxyToString(IThrowableProxy tp) {
            return super.throwableProxyToString(Scrubbed.of(tp));
        }
    }

    /** A logged throwable whose database errors' messages are cut to what {@link SqlErrors} keeps. */
    private record Scrubbed(IThrowableProxy real, String message) implements IThrowableProxy {
        static IThrowableProxy of(IThrowableProxy tp) {
            if (tp == null || tp instanceof Scrubbed) {
                return tp;
            }
            String message = tp.getMessage();
            if (tp instanceof ThrowableProxy p && p.getThrowable() instanceof SQLException sql) {
                message = (sql.getSQLState() == null ? "" : "[" + sql.getSQLState() + "] ") + SqlErrors.safeMessage(sql);
            }
            return new Scrubbed(tp, message);
        }

        @Override
        public String getMessage() {
            return message;
        }

        @Override
        public String getClassName() {
            return real.getClassName();
        }

        @Override
        public StackTraceElementProxy[] getStackTraceElementProxyArray() {
            return real.getStackTraceElementProxyArray();
        }

        @Override
        public int getCommonFrames() {
            return real.getCommonFrames();
        }

        @Override
        public IThrowableProxy getCause() {
            return of(real.getCause());
        }

        @Override
        public IThrowableProxy[] getSuppressed() {
            IThrowableProxy[] suppressed = real.getSuppressed();
            if (suppressed == null) {
                return null;
            }
            IThrowableProxy[] out = new IThrowableProxy[suppressed.length];
            for (int i = 0; i < suppressed.length; i++) {
                out[i] = of(suppressed[i]);
            }
            return out;
        }

        @Override
        public boolean isCyclic() {
            return real.isCyclic();
        }
    }
}
