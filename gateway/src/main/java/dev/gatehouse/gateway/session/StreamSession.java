package dev.gatehouse.gateway.session;

/**
 * A live session without a terminal and without a byte recording (a TCP forward, an app session):
 * its traffic is audited as events with byte counts, and the end of its grant simply closes it.
 */
public interface StreamSession extends LiveSession {
    /** Both expiry warnings count as sent (2): there is no terminal to warn on. */
    @Override
    default int warningsSent() {
        return 2;
    }

    /** Does nothing: there is no terminal to show the line on. */
    @Override
    default void warn(int level, String line) {}

    /** Does nothing: nothing is recorded byte for byte. */
    @Override
    default void flushRecording() {}
}
