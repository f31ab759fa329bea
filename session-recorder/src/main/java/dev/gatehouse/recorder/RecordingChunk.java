package dev.gatehouse.recorder;

/**
 * A piece of a session recording. Chunks of one session form their own hash chain; the last
 * chunk's hash is written into the session's {@code session.end} event.
 *
 * @param sessionId the session
 * @param seq per-session sequence number from 1 (assigned by the store on append; ignored on input)
 * @param stream what the bytes are: {@code o} terminal output, {@code i} terminal input, {@code r}
 *     resize ({@code COLSxROWS}), {@code stdout}, {@code stderr}, {@code file} (a JSON file
 *     operation), {@code meta} (the asciicast header JSON)
 * @param offsetMicros time since the session started, in microseconds
 * @param data the bytes (UTF-8 text for o/i/r/file/meta)
 * @param prevHash previous chunk hash (assigned by the store)
 * @param hash this chunk's hash (assigned by the store)
 */
public record RecordingChunk(
        String sessionId, long seq, String stream, long offsetMicros, byte[] data, String prevHash, String hash) {

    /** A chunk to append; the store fills in seq and hashes. */
    public static RecordingChunk of(String sessionId, String stream, long offsetMicros, byte[] data) {
        return new RecordingChunk(sessionId, 0, stream, offsetMicros, data, null, null);
    }
}
