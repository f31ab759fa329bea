package dev.gatehouse.recorder;

import java.util.Map;

/**
 * A recorded session as a search finds it: the summary, and the facts its {@code session.start}
 * and {@code session.end} events carry.
 *
 * @param chainId the chain (gateway instance) whose {@code session.start} opened the session
 * @param session the summary
 * @param start the start event's details ({@code kind}, {@code command}, {@code pty}, {@code rule}, ...)
 * @param end the end event's details ({@code output_bytes}, {@code input_bytes}, {@code recording_hash},
 *     ...), empty while the session runs
 */
public record FoundSession(String chainId, SessionSummary session, Map<String, String> start, Map<String, String> end) {
    public FoundSession {
        start = Map.copyOf(start);
        end = Map.copyOf(end);
    }

    /** A number in the end details, or 0 when absent or not a number. */
    public long endCount(String key) {
        try {
            return Long.parseLong(end.getOrDefault(key, "0").trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
