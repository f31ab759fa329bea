package dev.gatehouse.recorder;

/** Starts recordings that feed the audit store. */
public interface SessionRecorder {

    /** Starts recording a session (writes the header chunk). */
    Recording start(RecordingInfo info);

    static SessionRecorder create(AuditStore store, RecorderOptions options) {
        return new ChunkingRecorder(store, options);
    }
}
