package dev.gatehouse.recorder;

/**
 * An access-log write refused because the access chain's head moved past the one the caller
 * judged against: another instance (or another write of this one) appended a row in between, so
 * the decision may rest on an old state. Nothing was stored. The caller reads the log again,
 * judges again and retries (optimistic concurrency: a compare-and-set on the head).
 */
public final class StaleHeadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long expected;
    private final long actual;

    public StaleHeadException(String what, long expected, long actual) {
        super("cannot " + what + ": the access log changed since it was judged (its head is at seq " + actual
                + ", the write was judged against seq " + expected + "); nothing was stored, judge it again");
        this.expected = expected;
        this.actual = actual;
    }

    /** The head the caller judged against. */
    public long expected() {
        return expected;
    }

    /** The head found inside the write's exclusive section. */
    public long actual() {
        return actual;
    }
}
