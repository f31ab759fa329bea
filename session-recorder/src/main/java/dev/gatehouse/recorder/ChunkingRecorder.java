package dev.gatehouse.recorder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts {@link ChunkedRecording}s: checks the options once, writes the asciicast v2 header as the
 * session's {@code meta} chunk and hands the live recording to the bridge.
 */
final class ChunkingRecorder implements SessionRecorder {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(ChunkingRecorder.class);

    /** Below this a chunk holds too few characters to be worth a hash-chained record. */
    static final int MIN_CHUNK_BYTES = 64;

    private final AuditStore store;
    private final RecorderOptions options;

    ChunkingRecorder(AuditStore store, RecorderOptions options) {
        this.store = Objects.requireNonNull(store, "session recorder needs an audit store");
        Objects.requireNonNull(options, "session recorder needs options (RecorderOptions.defaults(clock))");
        if (options.clock() == null) {
            throw new IllegalArgumentException("recorder options need a clock (pass Clock.systemUTC())");
        }
        if (options.chunkBytes() < MIN_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunkBytes was " + options.chunkBytes() + "; use at least "
                    + MIN_CHUNK_BYTES + " (the default is 16384)");
        }
        if (options.streamCapBytes() < 0) {
            throw new IllegalArgumentException("streamCapBytes was " + options.streamCapBytes()
                    + "; use 0 (store nothing, hash only) or more");
        }
        this.options = options;
    }

    @Override
    public Recording start(RecordingInfo info) {
        Objects.requireNonNull(info, "recording info");
        if (info.sessionId() == null || info.sessionId().isBlank()) {
            throw new IllegalArgumentException("recording info needs a session id");
        }
        ChunkedRecording.Kind kind = ChunkedRecording.Kind.parse(info.kind());
        Instant start = info.start() != null ? info.start() : options.clock().instant();
        ChunkedRecording recording = new ChunkedRecording(store, options, info.sessionId(), kind, start);
        recording.writeMeta(header(info, start));
        if (kind == ChunkedRecording.Kind.EXEC && info.command() != null && !info.command().isBlank()) {
            indexCommands(store, info.sessionId(), "exec", List.of(info.command().strip()));
        }
        return recording;
    }

    /**
     * Indexes a session's commands for search. The index is a convenience beside the hash chains:
     * when the database refuses, the session goes on and only the search misses it (logged).
     */
    static void indexCommands(AuditStore store, String sessionId, String origin, List<String> commands) {
        try {
            store.indexCommands(sessionId, origin, commands);
        } catch (RuntimeException e) {
            LOG.warn("commands of session {} not indexed for search: {}", sessionId, e.getMessage());
        }
    }

    /** The asciicast v2 header plus Gatehouse's own fields (players ignore unknown keys). */
    static byte[] header(RecordingInfo info, Instant start) {
        ObjectNode h = JSON.createObjectNode();
        h.put("version", 2);
        // asciicast requires a size; sessions without a pty get the classic terminal default.
        h.put("width", info.cols() > 0 ? info.cols() : 80);
        h.put("height", info.rows() > 0 ? info.rows() : 24);
        h.put("timestamp", start.getEpochSecond());
        ObjectNode env = h.putObject("env");
        if (info.term() != null) {
            env.put("TERM", info.term());
        }
        if (info.title() != null) {
            h.put("title", info.title());
        }
        if (info.command() != null) {
            h.put("command", info.command());
        }
        h.put("kind", info.kind());
        h.put("session", info.sessionId());
        try {
            return JSON.writeValueAsString(h).getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write asciicast header for session " + info.sessionId(), e);
        }
    }
}
