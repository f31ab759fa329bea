package dev.gatehouse.recorder;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit store over JDBC (SQLite or PostgreSQL).
 *
 * <p>Implementation notes. One lock orders all appends: under it a record gets its seq and hash
 * from the in-memory head and is queued; the head only advances once the record is queued, so a
 * refused append leaves no gap. Recording heads are kept per live session and dropped once the
 * session has ended and its last chunk is committed (a later chunk reloads the head from the
 * database). Reads first wait briefly for queued records, so callers read their own writes.
 *
 * <p>A writer, at open: adopts access-log rows from before the access chain existed onto it (once,
 * when the chain is empty), and brings each witness file up to the store's newest checkpoint of
 * its chain (a crash between commit and append, or a witness added to the configuration). Before
 * it signs anything it records what it found unsigned: records after its chain's last checkpoint
 * ({@code chain.resumed}, {@link ChainResumption}) and access-chain links no event binds
 * ({@code access.unbound}, {@link AccessBindings}), so that its first checkpoint does not sign
 * them in silently. Every access-log write is recorded as an {@code access.chained} event
 * naming its link; checkpoints sign the newest link such events bind (see {@link BatchWriter}).
 */
final class JdbcAuditStore implements AuditStore {
    private static final Logger log = LoggerFactory.getLogger(JdbcAuditStore.class);
    private static final Duration FLUSH_STALL_LIMIT = Duration.ofSeconds(30);
    private static final Duration READ_FLUSH_LIMIT = Duration.ofSeconds(1);
    private static final Duration CLOSE_DRAIN_LIMIT = Duration.ofSeconds(30);

    /** A live recording's head; guarded by {@link #lock}. */
    private static final class SessionHead {
        long seq;
        String hash;
        long lastTicket;
        boolean ended;

        SessionHead(long seq, String hash) {
            this.seq = seq;
            this.hash = hash;
        }
    }

    private final StoreOptions options;
    private final String chainId;
    private final HikariDataSource dataSource;
    private final StoreQueries queries;
    private final ChainVerifier verifier;
    private final BatchWriter writer;
    private final AccessLog accessLog;
    private final InstanceRegistry instanceRegistry;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, SessionHead> sessionHeads = new HashMap<>();
    private final ArrayDeque<String> endedSessions = new ArrayDeque<>();

    // Guarded by lock.
    private long headSeq;
    private String headHash;
    private volatile long lastTicket;
    private volatile boolean closed;

    JdbcAuditStore(StoreOptions options, Dialect dialect, HikariDataSource dataSource) {
        this.options = options;
        this.chainId = options.chainId();
        this.dataSource = dataSource;
        this.queries = new StoreQueries(dataSource);
        this.verifier = new ChainVerifier(dataSource, dialect, options.signer(), options.clock(),
                options.checkpointInterval());
        this.accessLog = new JdbcAccessLog(dataSource, dialect, chainId == null, options.clock(), this::chained,
                this::readOwnWrites);
        this.instanceRegistry = new JdbcInstanceRegistry(dataSource, chainId == null);
        if (chainId == null) {
            this.writer = null;
            return;
        }
        // Restart: continue the chain from its stored head.
        queries.ensureChain(chainId, ChainHash.micros(options.clock().instant()));
        // What the last stop could not write comes before anything new (and before crash recovery
        // looks for sessions without an end).
        SpillFile.Appended spilled = SpillFile.appendAtOpen(options.spillFile(), chainId, dataSource, queries);
        StoreQueries.Head head = queries.chainHead(chainId);
        this.headSeq = head.seq();
        this.headHash = head.hash();
        CheckpointRow lastCheckpoint = queries.lastCheckpoint(chainId);
        FoundAtOpen found = FoundAtOpen.read(dataSource, dialect, queries, chainId, lastCheckpoint,
                ChainHash.micros(options.clock().instant()));
        this.writer = new BatchWriter(options, dataSource, head.seq(), head.hash(), lastCheckpoint,
                WitnessFile.caughtUp(options.witnessFiles(), chainId, lastCheckpoint, queries), this::recovered);
        writer.start();
        log.info("audit store open: chain {} continues at seq {}", chainId, headSeq + 1);
        found.record(this::append, options.clock().instant());
        if (spilled.events() + spilled.chunks() > 0) {
            log.warn("appended {} events and {} recording chunks the last stop could not write (from {})",
                    spilled.events(), spilled.chunks(), options.spillFile());
            append(AuditEvent.of("audit.spill_appended", options.clock().instant(), "info")
                    .with("events", spilled.events()).with("chunks", spilled.chunks())
                    .with("file", options.spillFile().toString()));
        }
    }

    @Override
    public String chainId() {
        return chainId;
    }

    @Override
    public long append(AuditEvent event) {
        return append(event, null);
    }

    /** Appends an event; {@code binds} names the last access-chain link it binds, if it binds any. */
    private long append(AuditEvent event, AccessChain.Head binds) {
        if (event == null) {
            throw new IllegalArgumentException("audit event is null");
        }
        String details = CanonicalJson.details(event.details());
        long micros = ChainHash.micros(event.time());
        long deadline = deadline();
        lockUntil(deadline);
        try {
            long seq = headSeq + 1;
            String hash = ChainHash.event(chainId, seq, micros, event.type(), event.outcome(), event.source(),
                    event.user(), event.node(), event.login(), event.certSerial(), event.grantId(), event.sessionId(),
                    details, headHash);
            long ticket = lastTicket + 1;
            writer.enqueue(new WriteItem.EventRow(ticket, chainId, seq, micros, event, details, headHash, hash, binds),
                    deadline);
            lastTicket = ticket;
            headSeq = seq;
            headHash = hash;
            if ("session.end".equals(event.type()) && event.sessionId() != null) {
                SessionHead h = sessionHeads.get(event.sessionId());
                if (h != null && !h.ended) {
                    h.ended = true;
                    endedSessions.addLast(event.sessionId());
                }
            }
            return seq;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String appendChunk(RecordingChunk chunk) {
        checkChunk(chunk);
        // Copy before hashing: the caller may reuse its buffer while the record waits in the queue.
        return append(chunk, chunk.data().clone());
    }

    @Override
    public String appendOwnedChunk(RecordingChunk chunk) {
        checkChunk(chunk);
        return append(chunk, chunk.data());
    }

    private static void checkChunk(RecordingChunk chunk) {
        if (chunk == null || chunk.sessionId() == null || chunk.sessionId().isBlank() || chunk.stream() == null
                || chunk.data() == null) {
            throw new IllegalArgumentException("a recording chunk needs a session id, a stream and data");
        }
    }

    private String append(RecordingChunk chunk, byte[] data) {
        byte[] digest = ChainHash.dataDigest(data);
        long deadline = deadline();
        lockUntil(deadline);
        try {
            SessionHead h = sessionHead(chunk.sessionId());
            long seq = h.seq + 1;
            String hash = ChainHash.chunk(chunk.sessionId(), seq, chunk.stream(), chunk.offsetMicros(), data.length,
                    digest, h.hash);
            long ticket = lastTicket + 1;
            RecordingChunk row = new RecordingChunk(chunk.sessionId(), seq, chunk.stream(), chunk.offsetMicros(), data,
                    h.hash, hash);
            writer.enqueue(new WriteItem.ChunkRow(ticket, row), deadline);
            lastTicket = ticket;
            h.seq = seq;
            h.hash = hash;
            h.lastTicket = ticket;
            dropEndedSessions();
            return hash;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<String> recordingHead(String sessionId) {
        lock.lock();
        try {
            SessionHead h = sessionHeads.get(sessionId);
            if (h != null) {
                return Optional.of(h.hash);
            }
        } finally {
            lock.unlock();
        }
        StoreQueries.Head head = queries.recordingHead(sessionId);
        return head.seq() == 0 ? Optional.empty() : Optional.of(head.hash());
    }

    @Override
    public void flush() {
        if (writer != null) {
            writer.awaitCommitted(lastTicket, FLUSH_STALL_LIMIT);
        }
    }

    @Override
    public boolean healthy() {
        return writer == null || writer.healthy();
    }

    @Override
    public void checkpoint() {
        long deadline = deadline();
        lockUntil(deadline);
        long ticket;
        try {
            ticket = lastTicket + 1;
            writer.enqueue(new WriteItem.CheckpointMark(ticket), deadline);
            lastTicket = ticket;
        } finally {
            lock.unlock();
        }
        writer.awaitCommitted(ticket, FLUSH_STALL_LIMIT);
    }

    @Override
    public List<SessionSummary> unfinishedSessions() {
        readOwnWrites();
        return queries.unfinished(chainId);
    }

    @Override
    public List<StoredEvent> events(EventQuery query) {
        readOwnWrites();
        return queries.events(query == null ? EventQuery.all() : query);
    }

    @Override
    public List<StoredEvent> chainEvents(String chainId, long afterSeq, int limit) {
        return queries.chainEvents(chainId, afterSeq, limit);
    }

    @Override
    public Optional<WriterState> writerState() {
        return writer == null ? Optional.empty() : Optional.of(writer.writerState());
    }

    @Override
    public List<SessionSummary> sessions(int limit) {
        readOwnWrites();
        return queries.sessions(limit);
    }

    @Override
    public Optional<SessionSummary> session(String sessionId) {
        readOwnWrites();
        return queries.session(sessionId);
    }

    @Override
    public List<RecordingChunk> recording(String sessionId) {
        readOwnWrites();
        return queries.recording(sessionId);
    }

    @Override
    public VerifyReport verifyRecording(String sessionId) {
        readOwnWrites();
        return verifier.verifyRecording(sessionId);
    }

    @Override
    public VerifyReport verify() {
        return verify(List.of(), null);
    }

    @Override
    public VerifyReport verify(List<Witness> witnesses, String localChain) {
        readOwnWrites();
        return verifier.verifyAll(List.copyOf(witnesses), localChain);
    }

    @Override
    public SessionPage searchSessions(SessionQuery query) {
        readOwnWrites();
        return queries.searchSessions(query);
    }

    @Override
    public Optional<FoundSession> foundSession(String sessionId) {
        readOwnWrites();
        return queries.foundSession(sessionId);
    }

    @Override
    public EventPage searchEvents(EventSearch query) {
        readOwnWrites();
        return queries.searchEvents(query);
    }

    @Override
    public List<StoredEvent> eventsAfter(String chainId, long afterSeq, TenantScope scope, int limit) {
        readOwnWrites();
        return queries.eventsAfter(chainId, afterSeq, scope == null ? TenantScope.ALL : scope, limit);
    }

    @Override
    public List<String> chains() {
        return queries.chains();
    }

    @Override
    public void indexCommands(String sessionId, String origin, List<String> commands) {
        if (writer == null) {
            throw new StoreUnavailableException("audit store is open read-only (no chain id): appends are refused");
        }
        queries.insertCommands(sessionId, origin, List.copyOf(commands));
    }

    @Override
    public List<String> commands(String sessionId) {
        return queries.commands(sessionId);
    }

    @Override
    public WitnessStatus witnessStatus(List<Witness> witnesses) {
        readOwnWrites();
        Findings findings = new Findings();
        WitnessCheck check = WitnessCheck.read(List.copyOf(witnesses), options.signer(), findings);
        List<VerifyReport.Checkpoint> stored = new java.util.ArrayList<>();
        for (String chain : queries.chains()) {
            CheckpointRow last = queries.lastCheckpoint(chain);
            if (last != null) {
                stored.add(new VerifyReport.Checkpoint(chain, last.seq(), ChainHash.instant(last.timeMicros())));
            }
        }
        return new WitnessStatus(check.summaries(), findings.lines(), stored);
    }

    @Override
    public AccessLog accessLog() {
        return accessLog;
    }

    @Override
    public InstanceRegistry instanceRegistry() {
        return instanceRegistry;
    }

    @Override
    public void close() {
        shutdown();
    }

    @Override
    public Shutdown shutdown() {
        lock.lock();
        long target;
        try {
            if (closed) {
                return Shutdown.DRAINED;
            }
            if (writer != null) {
                try {
                    long ticket = lastTicket + 1;
                    writer.enqueue(new WriteItem.CheckpointMark(ticket), deadline());
                    lastTicket = ticket;
                } catch (StoreUnavailableException e) {
                    log.error("audit store closing without a final checkpoint: {}", e.getMessage());
                }
            }
            closed = true;
            target = lastTicket;
        } finally {
            lock.unlock();
        }
        Shutdown result = Shutdown.DRAINED;
        try {
            if (writer != null) {
                writer.awaitCommitted(target, CLOSE_DRAIN_LIMIT);
            }
        } catch (StoreUnavailableException e) {
            log.error("audit store could not drain before close: {}", e.getMessage());
            result = new Shutdown(0, null, e.getMessage());
        } finally {
            if (writer != null) {
                writer.stop(Duration.ofSeconds(5));
                if (!result.drained()) {
                    result = spill(writer.unwritten(), result.problem());
                }
            }
            dataSource.close();
        }
        return result;
    }

    /** Keeps what the stopped writer did not commit in the spill file, if there is one. */
    private Shutdown spill(BatchWriter.Unwritten left, String problem) {
        if (left.size() == 0) {
            return new Shutdown(0, null, problem);
        }
        Path file = options.spillFile();
        if (file == null) {
            log.error("audit store stopped with {} records not written and no spill file configured: they are lost",
                    left.size());
            return new Shutdown(left.size(), null, problem);
        }
        try {
            SpillFile.write(file, chainId, left.events(), left.chunks());
            log.error("audit store stopped with {} records not written; kept in {} to be verified and appended at the"
                    + " next start", left.size(), file);
            return new Shutdown(left.size(), file, problem);
        } catch (IOException | RuntimeException e) {
            log.error("audit store stopped with {} records not written and could not keep them in {}: {}", left.size(),
                    file, e.toString());
            return new Shutdown(left.size(), null, problem + "; spill file not written: " + e);
        }
    }

    /**
     * Binds an access-log write to this chain (the store's own access log calls it after each
     * commit, in link order).
     *
     * @throws StoreUnavailableException when the event cannot be queued (the access log retries)
     */
    private void chained(AccessChain.Link link) {
        append(AuditEvent.of(AccessBindings.CHAINED, options.clock().instant(), "info").with("kind", link.kind())
                .with("key", link.rowKey()).with("access_seq", link.seq()).with("access_hash", link.hash()),
                new AccessChain.Head(link.seq(), link.hash()));
    }

    /** Emitted by a helper thread: the writer must not wait on the append lock it may be holding up. */
    private void recovered(Duration down, long waited) {
        AuditEvent event = AuditEvent.of("audit.store_recovered", options.clock().instant(), "info")
                .with("down_ms", down.toMillis())
                .with("records_waited", waited)
                .with("failed_at", options.clock().instant().minus(down));
        Thread t = new Thread(() -> {
            try {
                append(event);
            } catch (RuntimeException e) {
                log.error("could not record the audit store recovery: {}", e.getMessage());
            }
        }, "gatehouse-audit-recovered");
        t.setDaemon(true);
        t.start();
    }

    private SessionHead sessionHead(String sessionId) {
        SessionHead h = sessionHeads.get(sessionId);
        if (h == null) {
            // New session (or one whose head was dropped after it ended and was committed).
            StoreQueries.Head stored = queries.recordingHead(sessionId);
            h = new SessionHead(stored.seq(), stored.hash());
            sessionHeads.put(sessionId, h);
        }
        return h;
    }

    private void dropEndedSessions() {
        long committed = writer.committedTicket();
        while (!endedSessions.isEmpty()) {
            SessionHead h = sessionHeads.get(endedSessions.peekFirst());
            if (h != null && h.lastTicket > committed) {
                return;
            }
            sessionHeads.remove(endedSessions.pollFirst());
        }
    }

    private void readOwnWrites() {
        if (writer != null && writer.healthy() && !closed) {
            try {
                writer.awaitCommitted(lastTicket, READ_FLUSH_LIMIT);
            } catch (StoreUnavailableException e) {
                log.debug("reading before queued records are committed: {}", e.getMessage());
            }
        }
    }

    private long deadline() {
        if (writer == null) {
            throw new StoreUnavailableException("audit store is open read-only (no chain id): appends are refused");
        }
        if (closed) {
            throw new StoreUnavailableException("audit store is closed: appends are refused");
        }
        return System.nanoTime() + options.appendTimeout().toNanos();
    }

    private void lockUntil(long deadlineNanos) {
        try {
            if (!lock.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new StoreUnavailableException("audit store busy: waited " + options.appendTimeout().toMillis()
                        + " ms for other appenders " + writer.state());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while appending to the audit store", e);
        }
        if (closed) {
            lock.unlock();
            throw new StoreUnavailableException("audit store is closed: appends are refused");
        }
    }
}
