package dev.gatehouse.recorder;

/**
 * What a finished recording proves.
 *
 * @param finalHash head of the session's recording chain (goes into {@code session.end})
 * @param chunks chunks stored
 * @param outputBytes terminal output or exec stdout bytes seen (whole stream)
 * @param outputSha256 hex SHA-256 of the whole output stream
 * @param errorBytes exec stderr bytes seen
 * @param errorSha256 hex SHA-256 of the whole stderr stream
 * @param inputBytes client-to-node bytes seen
 * @param truncated true when a stream was longer than the cap and only its start is stored
 * @param fileOperations file operations recorded
 */
public record RecordingSummary(
        String finalHash, long chunks, long outputBytes, String outputSha256, long errorBytes, String errorSha256,
        long inputBytes, boolean truncated, int fileOperations) {}
