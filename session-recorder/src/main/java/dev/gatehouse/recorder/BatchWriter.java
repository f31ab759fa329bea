package dev.gatehouse.recorder;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single background writer: group commit of everything queued, up to {@code batchSize} per
 * transaction.
 *
 * <p>Implementation notes. Records arrive sequenced and hashed, so the writer must never drop or
 * reorder them: a failed commit keeps its batch and retries it with capped exponential backoff
 * until it succeeds (or {@link #abandon()} on a shutdown that cannot drain). Health flips to false
 * on the first failure and back on the next commit, which reports the outage duration to
 * {@code onRecovered}. Checkpoints of this chain's head are signed here, in the same
 * transaction as the events they cover, so they never name an uncommitted head. Each names the
 * digest of the one before ({@code prev}) and an access head: the newest access-chain link that
 * an event of this chain binds ({@link AccessBindings}), among the events the checkpoint covers.
 * Never the database's newest link: that may be one somebody INSERTed, or one whose binding event
 * is still queued, and a signed head over an unbound link would vouch for it. Signing happens on
 * each attempt, so a retried batch signs afresh; witnesses get the checkpoints once committed.
 */
final class BatchWriter implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);
    private static final long IDLE_TICK_MS = 100;
    private static final long MAX_BACKOFF_MS = 2_000;

    private final ArrayBlockingQueue<WriteItem> queue;
    /**
     * One permit per byte of recording data queued or in the batch being committed: the count
     * bound alone would let a stalled database hold {@code queueCapacity} whole chunks in memory.
     */
    private final Semaphore chunkBytes;
    private final int queueBytes;
    private final DataSource dataSource;
    private final StoreOptions options;
    private final Clock clock;
    private final BiConsumer<Duration, Long> onRecovered;
    private final List<WitnessFile> witnesses;
    private final Thread thread;
    private final Object progress = new Object();

    // Writer-thread state: the committed head of this chain and the last checkpoint.
    private long headSeq;
    private String headHash;
    private long checkpointSeq;
    private String checkpointDigest;
    private volatile Instant checkpointTime;
    private AccessChain.Head accessHead;

    private volatile long committedTicket;
    private volatile boolean healthy = true;
    private volatile Instant failingSince;
    private volatile String lastError = "none";
    private volatile boolean stopping;
    private volatile boolean abandoned;
    /** The batch being committed (null between batches), and since when (the writer's clock). */
    private volatile Batch inFlight;
    private volatile Instant inFlightSince;

    /**
     * @param lastCheckpoint this chain's newest stored checkpoint, or null: the next one links to it
     */
    BatchWriter(StoreOptions options, DataSource dataSource, long headSeq, String headHash, CheckpointRow lastCheckpoint,
            List<WitnessFile> witnesses, BiConsumer<Duration, Long> onRecovered) {
        this.options = options;
        this.dataSource = dataSource;
        this.clock = options.clock();
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        this.queueBytes = (int) options.queueBytes();
        this.chunkBytes = new Semaphore(queueBytes);
        this.witnesses = List.copyOf(witnesses);
        this.headSeq = headSeq;
        this.headHash = headHash;
        this.checkpointSeq = lastCheckpoint == null ? 0 : lastCheckpoint.seq();
        this.checkpointDigest = lastCheckpoint == null ? ChainHash.GENESIS : lastCheckpoint.digest();
        this.checkpointTime = clock.instant();
        this.accessHead = lastCheckpoint == null ? AccessChain.Head.EMPTY : lastCheckpoint.signedAccessHead(options.signer());
        this.onRecovered = onRecovered;
        this.thread = new Thread(this, "gatehouse-audit-writer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    boolean healthy() {
        return healthy;
    }

    long committedTicket() {
        return committedTicket;
    }

    /**
     * Queues an item, waiting for room until the deadline (backpressure). Fails fast when the
     * queue is full while the database is failing: waiting would only delay the refusal.
     */
    void enqueue(WriteItem item, long deadlineNanos) {
        int bytes = bytes(item);
        if (bytes > 0) {
            reserve(bytes, deadlineNanos);
        }
        boolean queued = false;
        try {
            offer(item, deadlineNanos);
            queued = true;
        } finally {
            if (!queued && bytes > 0) {
                chunkBytes.release(bytes);
            }
        }
    }

    /** Whether the batch being committed has waited at least {@code limit} (the writer's clock). */
    private boolean unwrittenFor(Duration limit) {
        Instant since = inFlightSince;
        return inFlight != null && since != null && !clock.instant().isBefore(since.plus(limit));
    }

    /** Permits a chunk holds until its batch commits; a chunk larger than the whole budget takes all of it. */
    private int bytes(WriteItem item) {
        return item instanceof WriteItem.ChunkRow row ? Math.min(queueBytes, Math.max(1, row.chunk().data().length)) : 0;
    }

    private void reserve(int bytes, long deadlineNanos) {
        try {
            while (true) {
                if (stopping) {
                    throw new StoreUnavailableException("audit store is closing: record refused");
                }
                if (!healthy && unwrittenFor(StoreOptions.UNRECORDED_OUTPUT_LIMIT)) {
                    throw new StoreUnavailableException("audit store is failing and has not written for "
                            + StoreOptions.UNRECORDED_OUTPUT_LIMIT.toSeconds() + " s: recording data refused " + state());
                }
                if (!healthy && chunkBytes.availablePermits() < bytes) {
                    throw new StoreUnavailableException("audit store is failing and its queue is full of recording data "
                            + state());
                }
                long remaining = deadlineNanos - System.nanoTime();
                if (chunkBytes.tryAcquire(bytes, Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(50)),
                        TimeUnit.NANOSECONDS)) {
                    return;
                }
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw new StoreUnavailableException("audit store queue full: waited " + options.appendTimeout().toMillis()
                            + " ms for room for " + bytes + " bytes of recording data " + state());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting for room in the audit store queue " + state(), e);
        }
    }

    private void offer(WriteItem item, long deadlineNanos) {
        try {
            while (true) {
                if (stopping) {
                    throw new StoreUnavailableException("audit store is closing: record refused");
                }
                if (!healthy && queue.remainingCapacity() == 0) {
                    throw new StoreUnavailableException("audit store is failing and its queue is full " + state());
                }
                long remaining = deadlineNanos - System.nanoTime();
                if (queue.offer(item, Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS)) {
                    return;
                }
                if (System.nanoTime() - deadlineNanos >= 0) {
                    throw new StoreUnavailableException("audit store queue full: waited "
                            + options.appendTimeout().toMillis() + " ms for room " + state());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting for room in the audit store queue " + state(), e);
        }
    }

    /**
     * Waits until the item with {@code ticket} is committed. Fails when no progress is made for
     * {@code stallLimit}, or for the append timeout while the database is failing.
     */
    void awaitCommitted(long ticket, Duration stallLimit) {
        long lastSeen = committedTicket;
        long lastProgress = System.nanoTime();
        synchronized (progress) {
            while (committedTicket < ticket) {
                if (abandoned) {
                    throw new StoreUnavailableException("audit store writer stopped before committing " + state());
                }
                long now = System.nanoTime();
                if (committedTicket != lastSeen) {
                    lastSeen = committedTicket;
                    lastProgress = now;
                }
                Duration limit = healthy ? stallLimit : options.appendTimeout();
                if (now - lastProgress >= limit.toNanos()) {
                    throw new StoreUnavailableException("audit store flush made no progress for "
                            + limit.toMillis() + " ms " + state());
                }
                try {
                    progress.wait(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreUnavailableException("interrupted while flushing the audit store " + state(), e);
                }
            }
        }
    }

    /** Lets the loop finish once the queue is empty. */
    void stop(Duration wait) {
        stopping = true;
        if (!healthy) {
            abandon(); // retrying against a failing database: waiting longer only delays the stop
            return;
        }
        try {
            thread.join(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            abandon();
        }
    }

    /** Gives up retrying (shutdown against a dead database); what is still queued is lost and logged. */
    void abandon() {
        abandoned = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What the writer has not committed: the batch it was retrying, then the queue, in order.
     * Only meaningful once the writer stopped ({@link #stop}); checkpoint requests are left out.
     */
    Unwritten unwritten() {
        List<WriteItem.EventRow> events = new ArrayList<>();
        List<RecordingChunk> chunks = new ArrayList<>();
        Batch batch = inFlight;
        if (batch != null) {
            events.addAll(batch.events());
            chunks.addAll(batch.chunks());
        }
        List<WriteItem> rest = new ArrayList<>();
        queue.drainTo(rest);
        for (WriteItem item : rest) {
            if (item instanceof WriteItem.EventRow row) {
                events.add(row);
            } else if (item instanceof WriteItem.ChunkRow row) {
                chunks.add(row.chunk());
            }
        }
        return new Unwritten(events, chunks);
    }

    /** Records a stopped writer did not commit. */
    record Unwritten(List<WriteItem.EventRow> events, List<RecordingChunk> chunks) {
        int size() {
            return events.size() + chunks.size();
        }
    }

    WriterState writerState() {
        return new WriterState(queue.size(), options.queueCapacity(), queueBytes - chunkBytes.availablePermits(), queueBytes,
                checkpointTime);
    }

    String state() {
        return "(queued=" + queue.size() + ", capacity=" + options.queueCapacity() + ", recording bytes held="
                + (queueBytes - chunkBytes.availablePermits()) + " of " + queueBytes + ", healthy=" + healthy
                + ", last error: " + lastError + ")";
    }

    @Override
    public void run() {
        List<WriteItem> items = new ArrayList<>(options.batchSize());
        while (!abandoned) {
            WriteItem first;
            try {
                first = queue.poll(IDLE_TICK_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue;
            }
            if (first == null) {
                if (stopping) {
                    break;
                }
                commitTimedCheckpoint();
                continue;
            }
            items.clear();
            items.add(first);
            if (first instanceof WriteItem.ChunkRow) {
                linger();
            }
            queue.drainTo(items, options.batchSize() - 1);
            commit(prepare(items));
        }
        if (!queue.isEmpty() || abandoned) {
            log.error("audit store writer stopped with {} records not committed: the database stayed unavailable",
                    queue.size());
        }
    }

    /**
     * How long the writer waits, once recording data is queued, for more before it commits. While a
     * terminal floods, a chunk fills every few milliseconds and a writer that commits at once takes
     * one chunk per transaction, with one wake-up and one fsync each. Measured on 2 cores with a 64
     * MiB base64 flood (86 MB recorded): 10 ms cut the writer's CPU from 0.35 to 0.25–0.28 s per
     * flood. The writer sleeps instead of waiting on the queue, so appenders do not wake it. An
     * event alone is committed at once; events queued behind a chunk wait with it, 10 ms at most.
     */
    static final long FLOOD_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Recording data already queued that makes the wait pointless: such a batch amortises its commit. */
    static final long FLOOD_LINGER_BYTES = 1 << 20;

    /** One sleep, not slices: each wake-up is what the wait saves. Ends early on stop or interrupt. */
    private void linger() {
        long until = System.nanoTime() + FLOOD_LINGER_NANOS;
        long left = FLOOD_LINGER_NANOS;
        while (left > 0 && !stopping && !abandoned && queue.remainingCapacity() > 0
                && queueBytes - chunkBytes.availablePermits() < FLOOD_LINGER_BYTES) {
            LockSupport.parkNanos(this, left);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
            left = until - System.nanoTime();
        }
    }

    private void commitTimedCheckpoint() {
        if (headSeq > checkpointSeq && intervalElapsed()) {
            commit(new Batch(List.of(), List.of(), List.of(new Mark(headSeq, headHash, accessHead)), headSeq, headHash,
                    accessHead, committedTicket, 0));
        }
    }

    private boolean intervalElapsed() {
        return !clock.instant().isBefore(checkpointTime.plus(options.checkpointInterval()));
    }

    /** Turns queued items into rows once, so that retries insert exactly the same rows. */
    private Batch prepare(List<WriteItem> items) {
        List<WriteItem.EventRow> events = new ArrayList<>();
        List<RecordingChunk> chunks = new ArrayList<>();
        List<Mark> checkpoints = new ArrayList<>(1);
        long bytes = 0;
        long seq = headSeq;
        String hash = headHash;
        AccessChain.Head access = accessHead;
        long covered = checkpointSeq;
        for (WriteItem item : items) {
            if (item instanceof WriteItem.EventRow row) {
                events.add(row);
                seq = row.seq();
                hash = row.hash();
                if (row.binds() != null && row.binds().seq() > access.seq()) {
                    access = row.binds();
                }
                if (seq - covered >= options.checkpointEvery()) {
                    // Exactly every N records, wherever the batch boundaries fall.
                    checkpoints.add(new Mark(seq, hash, access));
                    covered = seq;
                }
            } else if (item instanceof WriteItem.ChunkRow row) {
                chunks.add(row.chunk());
                bytes += bytes(row);
            } else if (item instanceof WriteItem.CheckpointMark && seq > covered) {
                checkpoints.add(new Mark(seq, hash, access));
                covered = seq;
            }
        }
        if (seq > covered && intervalElapsed()) {
            checkpoints.add(new Mark(seq, hash, access));
        }
        return new Batch(events, chunks, checkpoints, seq, hash, access, items.get(items.size() - 1).ticket(), bytes);
    }

    /** Signs the batch's checkpoints in order, each linked to the one before; none when signing fails. */
    private List<CheckpointRow> sign(List<Mark> marks) {
        List<CheckpointRow> out = new ArrayList<>(marks.size());
        String prev = checkpointDigest;
        try {
            for (Mark m : marks) {
                CheckpointRow cp = CheckpointRow.sign(options.signer(), options.chainId(), m.seq(), m.hash(),
                        ChainHash.micros(clock.instant()), prev, m.access());
                out.add(cp);
                prev = cp.digest();
            }
            return out;
        } catch (RuntimeException e) {
            // Events matter more than their checkpoint: store them, try the checkpoint again later.
            log.error("cannot sign an audit checkpoint of chain {} at seq {}: {}", options.chainId(),
                    marks.get(marks.size() - 1).seq(), e.toString());
            return List.of();
        }
    }

    /**
     * Commits a batch, retrying with backoff until it succeeds or the writer is abandoned. A
     * retry first asks the database whether the failed attempt committed after all (a connection
     * lost after COMMIT was sent): then the batch counts as committed and is not inserted again.
     */
    private void commit(Batch batch) {
        long backoff = 10;
        List<CheckpointRow> checkpoints = null;
        inFlightSince = clock.instant();
        inFlight = batch;
        boolean retry = false;
        while (true) {
            try {
                if (retry && stored(batch)) {
                    log.warn("audit store: a batch whose commit reported a failure was committed; not inserting it again");
                    checkpoints = adoptStoredCheckpoint(batch);
                } else {
                    checkpoints = insert(batch);
                }
                break;
            } catch (SQLException | RuntimeException e) {
                failed(e, batch);
                retry = true;
                if (abandoned) {
                    return;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    if (abandoned) {
                        return;
                    }
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
        }
        inFlight = null;
        chunkBytes.release((int) batch.chunkBytes());
        headSeq = batch.headSeq();
        headHash = batch.headHash();
        accessHead = batch.accessHead();
        if (!checkpoints.isEmpty()) {
            CheckpointRow last = checkpoints.get(checkpoints.size() - 1);
            checkpointSeq = last.seq();
            checkpointDigest = last.digest();
            checkpointTime = clock.instant();
            for (WitnessFile w : witnesses) {
                w.append(checkpoints);
            }
        }
        synchronized (progress) {
            committedTicket = Math.max(committedTicket, batch.lastTicket());
            progress.notifyAll();
        }
        if (!healthy) {
            recovered(batch.size() + queue.size());
        }
    }

    /**
     * Whether the batch is in the database already: its last row (events, else chunks, else its
     * last checkpoint) is there with the same hash. A batch commits whole or not at all, so its
     * last row stands for all of it.
     */
    private boolean stored(Batch batch) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!batch.events().isEmpty()) {
                WriteItem.EventRow last = batch.events().get(batch.events().size() - 1);
                return last.hash().equals(one(c, "SELECT hash FROM audit_events WHERE chain_id = ? AND seq = ?",
                        last.chainId(), last.seq()));
            }
            if (!batch.chunks().isEmpty()) {
                RecordingChunk last = batch.chunks().get(batch.chunks().size() - 1);
                return last.hash().equals(one(c, "SELECT hash FROM recording_chunks WHERE session_id = ? AND seq = ?",
                        last.sessionId(), last.seq()));
            }
            Mark last = batch.checkpoints().get(batch.checkpoints().size() - 1);
            return last.hash().equals(one(c, "SELECT head_hash FROM checkpoints WHERE chain_id = ? AND seq = ?",
                    options.chainId(), last.seq()));
        }
    }

    private static String one(Connection c, String sql, String key, long seq) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, key);
            ps.setLong(2, seq);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** The checkpoint a batch committed by an attempt reported failed signed: the chain's newest stored one. */
    private List<CheckpointRow> adoptStoredCheckpoint(Batch batch) {
        if (batch.checkpoints().isEmpty()) {
            return List.of();
        }
        CheckpointRow last = new StoreQueries(dataSource).lastCheckpoint(options.chainId());
        return last == null || last.seq() <= checkpointSeq ? List.of() : List.of(last);
    }

    private void failed(Exception e, Batch batch) {
        lastError = describe(e);
        if (healthy) {
            failingSince = clock.instant();
            healthy = false;
            // The message names the database error only; record contents never reach the log.
            log.error("audit store write failed; keeping {} records and retrying {}", batch.size(), state());
        } else {
            log.debug("audit store write failed again: {}", lastError);
        }
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** The database error without record contents ({@link SqlErrors#describe}). */
    static String describe(Throwable e) {
        return SqlErrors.describe(e);
    }

    /** @param waited records that were waiting for the database when it took writes again */
    private void recovered(long waited) {
        Duration down = Duration.between(failingSince, clock.instant());
        healthy = true;
        log.warn("audit store recovered after {} ms; {} records had waited", down.toMillis(), waited);
        if (onRecovered != null) {
            onRecovered.accept(down, waited);
        }
    }

    /**
     * Commits the batch; returns the checkpoints it signed and stored. A connection that failed
     * is never used again: after SQLITE_FULL, SQLite may roll the transaction back by itself,
     * the rollback and the pool's reset then fail ({@code cannot commit - no transaction is
     * active}), and the pool would hand out a connection the driver believes is in a transaction
     * while SQLite commits each statement on its own: the next batch would commit in part.
     */
    private List<CheckpointRow> insert(Batch batch) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try {
                c.setAutoCommit(false);
                RowInserter.events(c, batch.events());
                RowInserter.chunks(c, batch.chunks());
                List<CheckpointRow> signed = batch.checkpoints().isEmpty() ? List.of() : sign(batch.checkpoints());
                RowInserter.checkpoints(c, signed);
                c.commit();
                return signed;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                } finally {
                    discard(dataSource, c);
                }
                throw e;
            }
        }
    }

    /** Takes a connection whose state is unknown out of the pool (closed once its user returns it). */
    static void discard(DataSource dataSource, Connection c) {
        if (dataSource instanceof HikariDataSource pool) {
            pool.evictConnection(c);
        }
    }

    /** Where a checkpoint goes: the chain head it will sign, and the access head this chain had bound by then. */
    private record Mark(long seq, String hash, AccessChain.Head access) {}

    /** Rows of one transaction, and the chain head and bound access head after it. */
    private record Batch(List<WriteItem.EventRow> events, List<RecordingChunk> chunks, List<Mark> checkpoints,
            long headSeq, String headHash, AccessChain.Head accessHead, long lastTicket, long chunkBytes) {
        int size() {
            return events.size() + chunks.size() + checkpoints.size();
        }
    }
}
