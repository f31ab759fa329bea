package dev.gatehouse.gateway.session;

/**
 * Someone watching a live interactive session read-only ({@code observe}): told what the node
 * writes to the user's terminal, as the recorder sees it, and of every window change.
 *
 * <p>The methods are called on the session's relay threads, in the order the recorder sees the
 * bytes. They must not block and must not keep {@code data}: the relay waits for nothing but its own
 * writes, so an observer that cannot keep up drops itself (see {@code web/console/LiveApi}).
 */
public interface TerminalObserver {
    /** The terminal's size in character cells: once when observation starts, then on every window change. */
    void resize(int cols, int rows);

    /** Bytes the node wrote to the terminal (stdout and stderr of a shell, in order); {@code data} is only lent. */
    void output(byte[] data, int offset, int length);

    /** The session ended; nothing follows. */
    void ended();

    /**
     * The gateway ended this observation while the session goes on (the observer was locked out,
     * removed from the policy, or an admin terminated the observation); nothing follows.
     */
    default void stopped(String reason) {
        ended();
    }

    /**
     * A live observation; {@link #close} detaches the observer (once; later calls do nothing) and
     * tells the observed user that it stopped.
     */
    interface Observation extends AutoCloseable {
        @Override
        void close();
    }
}
