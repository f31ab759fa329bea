package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.RecordingChunk;
import dev.gatehouse.recorder.SessionSummary;
import dev.gatehouse.recorder.StoredEvent;
import dev.gatehouse.recorder.VerifyReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Keeps appended audit events in a list so proxy tests can read them; everything else is unused here. */
final class MemoryAuditStore implements AuditStore {
    private final List<AuditEvent> events = new ArrayList<>();
    /** False plays a database that refuses writes. */
    volatile boolean healthy = true;

    /** The events of {@code type} (its wire name), in append order. */
    synchronized List<AuditEvent> of(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    @Override
    public String chainId() {
        return "gw-test";
    }

    @Override
    public synchronized long append(AuditEvent event) {
        events.add(event);
        return events.size();
    }

    @Override
    public String appendChunk(RecordingChunk chunk) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<String> recordingHead(String sessionId) {
        return Optional.empty();
    }

    @Override
    public void flush() {}

    @Override
    public boolean healthy() {
        return healthy;
    }

    @Override
    public List<SessionSummary> unfinishedSessions() {
        return List.of();
    }

    @Override
    public List<StoredEvent> events(EventQuery query) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<SessionSummary> sessions(int limit) {
        return List.of();
    }

    @Override
    public Optional<SessionSummary> session(String sessionId) {
        return Optional.empty();
    }

    @Override
    public List<RecordingChunk> recording(String sessionId) {
        return List.of();
    }

    @Override
    public VerifyReport verifyRecording(String sessionId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public VerifyReport verify() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void checkpoint() {}

    @Override
    public void close() {}
}
