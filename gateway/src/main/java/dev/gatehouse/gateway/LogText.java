package dev.gatehouse.gateway;

import ch.qos.logback.classic.pattern.ExtendedThrowableProxyConverter;
import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.gatehouse.policy.Printable;

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

    /** A stack trace keeps its line breaks; everything else the rule names (in exception messages) is escaped. */
    public static final class Throwable extends ExtendedThrowableProxyConverter {
        @Override
        public String convert(ILoggingEvent event) {
            return Printable.escapeKeepingLines(super.convert(event));
        }
    }
}
