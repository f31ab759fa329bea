package dev.gatehouse.recorder;

import java.util.List;
import java.util.Optional;

/**
 * The append-only, hash-chained audit store (DESIGN.md "The audit store").
 *
 * <p>Appends are cheap: sequence numbers and hashes are assigned synchronously, in call order, and
 * the record is handed to a bounded background writer that commits in batches (group commit).
 * When the queue is full, {@code append} blocks up to {@code appendTimeout} (backpressure) and
 * then throws {@link StoreUnavailableException}. {@link #close()} drains everything and writes a
 * final signed checkpoint. Nothing here issues UPDATE or DELETE; the schema's triggers refuse them.
 */
public interface AuditStore extends AutoCloseable {

    /**
     * Opens (and migrates) the store. A read-only store ({@code chainId == null}) refuses appends.
     * A writer first records on its chain what it finds unsigned (records after its last
     * checkpoint, access links no event binds), so its first checkpoint does not sign them in
     * silently.
     */
    static AuditStore open(StoreOptions options) {
        return StoreFactory.open(options);
    }

    String chainId();

    /** Appends an event to this instance's chain. @return the sequence number assigned */
    long append(AuditEvent event);

    /** Appends a recording chunk to its session's chain. @return the chunk's hash */
    String appendChunk(RecordingChunk chunk);

    /**
     * {@link #appendChunk}, for a caller that hands the chunk's array over: it never touches it
     * again, so the store may queue it without the defensive copy. The recorder uses this for
     * every chunk it builds, which saves a copy of every recorded byte.
     */
    default String appendOwnedChunk(RecordingChunk chunk) {
        return appendChunk(chunk);
    }

    /** Head hash of a session's recording chain (what {@code session.end} should carry), or empty. */
    Optional<String> recordingHead(String sessionId);

    /** Blocks until everything appended so far is committed. @throws StoreUnavailableException on failure */
    void flush();

    /** True when the last write (or probe) succeeded; false while the database refuses writes. */
    boolean healthy();

    /** Sessions that started on this chain but have no {@code session.end}: left by a crash. */
    List<SessionSummary> unfinishedSessions();

    List<StoredEvent> events(EventQuery query);

    /** Sessions, newest first. */
    List<SessionSummary> sessions(int limit);

    Optional<SessionSummary> session(String sessionId);

    /**
     * Searches recorded sessions with filters, newest first, one page at a time (keyset paging).
     * The default refuses: only the JDBC store searches.
     *
     * @throws IllegalArgumentException for a cursor this store did not write, or a malformed kind
     */
    default SessionPage searchSessions(SessionQuery query) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not search sessions");
    }

    /** One recorded session with its start and end details, or empty. */
    default Optional<FoundSession> foundSession(String sessionId) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not search sessions");
    }

    /**
     * Searches the audit log with filters, newest first, one page at a time (keyset paging).
     *
     * @throws IllegalArgumentException for a cursor this store did not write
     */
    default EventPage searchEvents(EventSearch query) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not search events");
    }

    /**
     * The events of chain {@code chainId} with a sequence number above {@code afterSeq}, ascending,
     * at most {@code limit}, within {@code scope}: what a collector that has read up to
     * {@code afterSeq} reads next. Each carries its {@code prev_hash} and {@code hash}, so the
     * collector checks the links as it goes (ChainHash).
     */
    default List<StoredEvent> eventsAfter(String chainId, long afterSeq, TenantScope scope, int limit) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not export events");
    }

    /** Every chain (gateway instance) id in the store, sorted. */
    default List<String> chains() {
        return List.of(chainId());
    }

    /**
     * Records the commands a session ran, for {@link SessionQuery#text()} ({@code session_commands},
     * an index beside the hash chains). {@code origin} says where they come from: {@code exec} (the
     * exec request), {@code input} (recorded keystrokes) or {@code output} (lines after a prompt).
     * A session indexed before keeps its first rows. The default keeps nothing.
     *
     * @throws StoreUnavailableException when the database refuses, or the store is read-only
     */
    default void indexCommands(String sessionId, String origin, List<String> commands) {}

    /** The commands indexed for a session, in order (empty when none, or not kept). */
    default List<String> commands(String sessionId) {
        return List.of();
    }

    /**
     * Reads the witness files: each one's line count and newest checkpoint, and the problems found
     * reading them (a line that fails its signature, a chain that does not link). The store's own
     * records are not compared; {@link #verify(List, String)} does that. The default refuses.
     */
    default WitnessStatus witnessStatus(List<Witness> witnesses) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not read witnesses");
    }

    /** All chunks of a session's recording in order. */
    List<RecordingChunk> recording(String sessionId);

    /** Verifies one session's recording chain (and its link to {@code session.end} when present). */
    VerifyReport verifyRecording(String sessionId);

    /**
     * Verifies, in one snapshot of the database, every chain, checkpoint (and that each chain's
     * checkpoints link), recording, and the access chain against the access-log tables and the
     * events that bind each link to a gateway's chain; names records no signed checkpoint has
     * covered for longer than {@link StoreOptions#checkpointInterval()} plus a slack, or dated
     * in the future beyond a skew. What a writer recorded at its open as found unsigned
     * ({@code chain.resumed}, {@code access.unbound}) is in {@link VerifyReport#notes()}.
     */
    VerifyReport verify();

    /**
     * {@link #verify()}, and against witnesses: each line verifies with the audit key, links to
     * the line before of its chain, and is in the store as it is in the witness; witnessed
     * checkpoints check the chains as stored ones do; a {@link Witness.Kind#LIVE} witness must
     * hold the store's checkpoints of every chain it covers and of {@code localChain}. The
     * default refuses: only the JDBC store keeps witnesses.
     *
     * @param localChain the chain of the gateway that writes the live witnesses, or null
     */
    default VerifyReport verify(List<Witness> witnesses, String localChain) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not verify against witnesses");
    }

    /**
     * The just-in-time access log (requests, decisions, locks, issued certificates, TOTP
     * enrolments) over this store's database and connection pool; it closes with the store. On a
     * read-only store its reads work and its writes are refused. The default refuses: only the
     * JDBC store keeps one (test doubles need not).
     */
    default AccessLog accessLog() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no access log");
    }

    /**
     * The gateway instances sharing this database, their live sessions and the commands between
     * them (issue 13), over this store's pool; it closes with the store. On a read-only store its
     * reads work and its writes are refused. The default refuses: only the JDBC store keeps one.
     */
    default InstanceRegistry instanceRegistry() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no instance registry");
    }

    /**
     * Records of one chain after {@code afterSeq}, oldest first, at most {@code limit}: what an
     * exporter that saved its cursor (the last sequence it delivered) reads to resume.
     */
    default List<StoredEvent> chainEvents(String chainId, long afterSeq, int limit) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not list a chain");
    }

    /** The writer's queue and last checkpoint now; empty for a read-only store or a test double. */
    default Optional<WriterState> writerState() {
        return Optional.empty();
    }

    /** Signs and stores a checkpoint of this chain's head now. */
    void checkpoint();

    /** Drains the writer, writes a final checkpoint and closes connections. */
    @Override
    void close();

    /**
     * {@link #close()}, saying what could not be written: when the database refuses writes for
     * the whole drain (a few seconds), the records still queued are kept in the spill file
     * ({@link StoreOptions#spillFile}) for the next open, or lost when there is none.
     */
    default Shutdown shutdown() {
        close();
        return Shutdown.DRAINED;
    }

    /**
     * What a {@link #shutdown()} left unwritten.
     *
     * @param unwritten records (events and recording chunks) not committed to the database
     * @param spillFile where they are kept for the next start; null when none was written
     * @param problem why they were not written, or why the spill file could not be written; null when drained
     */
    record Shutdown(long unwritten, java.nio.file.Path spillFile, String problem) {
        public static final Shutdown DRAINED = new Shutdown(0, null, null);

        /** Everything was committed. */
        public boolean drained() {
            return unwritten == 0 && problem == null;
        }
    }
}
