package dev.gatehouse.recorder;

import java.sql.BatchUpdateException;
import java.sql.SQLException;

/**
 * Database errors as they may be logged: without record contents. Drivers echo bound values in
 * their errors: pgjdbc's {@link BatchUpdateException} message is {@code Batch entry 0 INSERT ...
 * VALUES (...) was aborted} with every value (user names, key fingerprints), and server details
 * ({@code Detail: Failing row contains (...)}, {@code Key (...)=(...) already exists}) follow the
 * first line, and a first line may quote a value ({@code invalid input syntax for type bigint:
 * "..."}). What is kept: the class, the SQLState and the first line of the message with every
 * quoted part elided, except for batch errors, whose first line is the statement.
 */
public final class SqlErrors {
    private static final int MAX_MESSAGE = 300;

    private SqlErrors() {}

    /**
     * One line for a log or an error message: {@code Class [SQLSTATE]: first line}, taken from the
     * innermost cause of a batch error (the error of the failing row itself).
     */
    public static String describe(Throwable e) {
        Throwable inner = e;
        if (e instanceof SQLException sql && sql.getNextException() != null) {
            inner = sql.getNextException();
        }
        while (inner instanceof BatchUpdateException && inner.getCause() != null) {
            inner = inner.getCause();
        }
        String state = inner instanceof SQLException sql && sql.getSQLState() != null ? " [" + sql.getSQLState() + "]" : "";
        String message = inner instanceof SQLException sql ? safeMessage(sql) : firstLine(String.valueOf(inner.getMessage()));
        return inner.getClass().getSimpleName() + state + ": " + message;
    }

    /**
     * The part of a database error's message that carries no record contents: its first line,
     * at most 300 characters, quoted parts ({@code "..."}, {@code '...'}) shown as {@code "…"} and
     * nothing from a {@code VALUES} on; for a batch error only that a batch statement failed.
     */
    public static String safeMessage(SQLException e) {
        if (e instanceof BatchUpdateException) {
            return "batch statement failed";
        }
        String line = firstLine(String.valueOf(e.getMessage()));
        int values = line.toUpperCase(java.util.Locale.ROOT).indexOf("VALUES");
        if (values >= 0) {
            line = line.substring(0, values) + "...";
        }
        return QUOTED.matcher(line).replaceAll("\"…\"");
    }

    private static final java.util.regex.Pattern QUOTED = java.util.regex.Pattern.compile("\"[^\"]*\"?|'[^']*'?");

    private static String firstLine(String message) {
        int cut = message.indexOf('\n');
        String line = cut >= 0 ? message.substring(0, cut) : message;
        return line.length() > MAX_MESSAGE ? line.substring(0, MAX_MESSAGE) + "..." : line;
    }
}
