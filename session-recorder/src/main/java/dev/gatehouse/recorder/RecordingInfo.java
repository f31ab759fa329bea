package dev.gatehouse.recorder;

import java.time.Instant;

/**
 * What is being recorded.
 *
 * @param sessionId gateway session id
 * @param kind {@code shell}, {@code exec} or {@code sftp}
 * @param command the exec command line (or subsystem name), or null for a shell
 * @param term TERM of the pty, or null
 * @param cols initial width (0 without a pty)
 * @param rows initial height (0 without a pty)
 * @param start when the session started
 * @param title free text for the asciicast header (e.g. {@code alice → aiops@gpu-node-1})
 */
public record RecordingInfo(
        String sessionId, String kind, String command, String term, int cols, int rows, Instant start, String title) {}
