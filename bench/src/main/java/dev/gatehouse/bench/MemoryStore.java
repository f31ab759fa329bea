package dev.gatehouse.bench;

import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.RecordingChunk;
import dev.gatehouse.recorder.SessionSummary;
import dev.gatehouse.recorder.StoredEvent;
import dev.gatehouse.recorder.VerifyReport;
import java.util.List;
import java.util.Optional;

/**
 * A fake store that keeps nothing but counts: lets {@link RecorderBench} measure the recorder's own
 * work without a database. Only the write side is implemented; reads are refused.
 */
final class MemoryStore implements AuditStore {
    private long events;
    private long chunks;
    private long chunkBytes;

    @Override
    public String chainId() {
        return "bench-memory";
    }

    @Override
    public synchronized long append(AuditEvent event) {
        return ++events;
    }

    @Override
    public synchronized String appendChunk(RecordingChunk chunk) {
        chunks++;
        chunkBytes += chunk.data() == null ? 0 : chunk.data().length;
        return Long.toHexString(chunks);
    }

    @Override
    public Optional<String> recordingHead(String sessionId) {
        return Optional.empty();
    }

    @Override
    public void flush() {}

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public List<SessionSummary> unfinishedSessions() {
        return List.of();
    }

    @Override
    public List<StoredEvent> events(EventQuery query) {
        throw refused();
    }

    @Override
    public List<SessionSummary> sessions(int limit) {
        throw refused();
    }

    @Override
    public Optional<SessionSummary> session(String sessionId) {
        throw refused();
    }

    @Override
    public List<RecordingChunk> recording(String sessionId) {
        throw refused();
    }

    @Override
    public VerifyReport verifyRecording(String sessionId) {
        throw refused();
    }

    @Override
    public VerifyReport verify() {
        throw refused();
    }

    @Override
    public void checkpoint() {}

    @Override
    public void close() {}

    private synchronized IllegalStateException refused() {
        return new IllegalStateException("the benchmark's memory store keeps no data to read (it only counts "
                + events + " events, " + chunks + " chunks, " + chunkBytes + " bytes)");
    }
}
