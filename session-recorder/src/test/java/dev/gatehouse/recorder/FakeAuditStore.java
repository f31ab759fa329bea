package dev.gatehouse.recorder;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** In-memory store for recorder tests: chains chunks per session with real SHA-256 hashes. */
final class FakeAuditStore implements AuditStore {
    static final String ZERO_HASH = "0".repeat(64);

    private final Map<String, List<RecordingChunk>> recordings = new HashMap<>();

    @Override
    public synchronized String appendChunk(RecordingChunk chunk) {
        return add(chunk, chunk.data().clone());
    }

    /** Keeps the handed-over array itself, as the real store does: a recorder that wrote to it afterwards would show. */
    @Override
    public synchronized String appendOwnedChunk(RecordingChunk chunk) {
        return add(chunk, chunk.data());
    }

    private String add(RecordingChunk chunk, byte[] data) {
        List<RecordingChunk> chain = recordings.computeIfAbsent(chunk.sessionId(), k -> new ArrayList<>());
        String prev = chain.isEmpty() ? ZERO_HASH : chain.get(chain.size() - 1).hash();
        long seq = chain.size() + 1L;
        String hash = hash(prev, chunk, seq);
        chain.add(new RecordingChunk(chunk.sessionId(), seq, chunk.stream(), chunk.offsetMicros(), data,
                prev, hash));
        return hash;
    }

    @Override
    public synchronized List<RecordingChunk> recording(String sessionId) {
        return List.copyOf(recordings.getOrDefault(sessionId, List.of()));
    }

    @Override
    public synchronized Optional<String> recordingHead(String sessionId) {
        List<RecordingChunk> chain = recordings.getOrDefault(sessionId, List.of());
        return chain.isEmpty() ? Optional.empty() : Optional.of(chain.get(chain.size() - 1).hash());
    }

    /** Recomputes the chain: true when every link and hash holds. */
    synchronized boolean chainIntact(String sessionId) {
        String prev = ZERO_HASH;
        for (RecordingChunk c : recordings.getOrDefault(sessionId, List.of())) {
            if (!c.prevHash().equals(prev) || !c.hash().equals(hash(prev, c, c.seq()))) {
                return false;
            }
            prev = c.hash();
        }
        return true;
    }

    private static String hash(String prev, RecordingChunk c, long seq) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(prev.getBytes(StandardCharsets.US_ASCII));
            md.update(c.sessionId().getBytes(StandardCharsets.UTF_8));
            md.update(ByteBuffer.allocate(16).putLong(seq).putLong(c.offsetMicros()).array());
            md.update(c.stream().getBytes(StandardCharsets.UTF_8));
            md.update(c.data());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static UnsupportedOperationException unused() {
        return new UnsupportedOperationException("not used by these tests");
    }

    @Override public String chainId() { throw unused(); }
    @Override public long append(AuditEvent event) { throw unused(); }
    @Override public void flush() { throw unused(); }
    @Override public boolean healthy() { return true; }
    @Override public List<SessionSummary> unfinishedSessions() { throw unused(); }
    @Override public List<StoredEvent> events(EventQuery query) { throw unused(); }
    @Override public List<SessionSummary> sessions(int limit) { throw unused(); }
    @Override public Optional<SessionSummary> session(String sessionId) { throw unused(); }
    @Override public VerifyReport verifyRecording(String sessionId) { throw unused(); }
    @Override public VerifyReport verify() { throw unused(); }
    @Override public void checkpoint() { throw unused(); }
    @Override public void close() {}
}
