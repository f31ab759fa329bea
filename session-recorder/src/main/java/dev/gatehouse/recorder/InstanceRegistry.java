package dev.gatehouse.recorder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The gateway instances that share this database, the live sessions each runs, and the commands
 * one instance leaves for another (issue 13, DESIGN.md "Several instances and operations").
 *
 * <p>Coordination state, not evidence: rows are updated and deleted, they are not hash-chained,
 * and what happens to a session is audited in the acting instance's own chain. Each instance is
 * known by its chain id (its {@code data_dir/instance-id}). An instance whose heartbeat is older
 * than the reader's {@code dead_after} is dead, and so are its sessions; times are those of the
 * writing instance's clock, so instances need synchronised clocks (NTP), well within dead_after.
 *
 * <p>Obtained from {@link AuditStore#instanceRegistry()}; it shares the store's pool and closes
 * with it. Writes are synchronous and throw {@link StoreUnavailableException} when the database
 * fails and {@link IllegalArgumentException} for bad input; on a read-only store (the CLI) reads
 * work and writes are refused. Times are kept to the microsecond.
 */
public interface InstanceRegistry {

    /** Actions of an {@link InstanceCommand}. */
    String TERMINATE = "terminate";

    /**
     * Registers {@code self} as running from {@code self.startedAt()}: its row is written anew
     * (heartbeat = start, not stopped), the live-session rows a previous run of the same chain
     * left (a crash) are removed, and commands still pending for it are closed with result
     * {@code expired}, all in one transaction. A {@code deadAfter} of zero never refuses: the
     * start takes the chain over (SQLite, whose database lives in the instance's own data_dir, so
     * a crashed gateway restarts at once).
     *
     * @throws IllegalStateException when another process runs this chain: its row has not stopped
     *     and heartbeated less than {@code deadAfter} before {@code self.startedAt()} (the message
     *     names the instance and its last heartbeat; nothing is written)
     */
    void register(Instance self, Duration deadAfter);

    /**
     * The heartbeat: sets {@code chainId}'s heartbeat to {@code at} and makes its live-session
     * rows exactly {@code sessions} (upserted with their counters; rows of its sessions not in the
     * list are removed), in one transaction.
     *
     * @throws IllegalArgumentException when a session names another chain, or the chain is not registered
     */
    void sync(String chainId, List<LiveRow> sessions, Instant at);

    /**
     * Records the addresses {@code chainId} actually listens on once it has bound them (a
     * configured port 0 is only known then), so other instances reach it (issue 13: observe).
     *
     * @param sshListen its SSH address, or null
     * @param webListen its HTTPS address, or null
     */
    void listening(String chainId, String sshListen, String webListen);

    /** A graceful stop: marks {@code chainId} stopped at {@code at} and removes its live-session rows. */
    void stopped(String chainId, Instant at);

    /** Every instance ever registered on this database, by name then chain id. */
    List<Instance> instances();

    /** Every instance's live-session rows, oldest first (then by id). */
    List<LiveRow> sessions();

    /** The live-session row of {@code sessionId}, if an instance lists it. */
    Optional<LiveRow> session(String sessionId);

    /** Stores a command for {@code command.targetChain()}; the row's seq and done fields are ignored. @return its seq, from 1 */
    long command(InstanceCommand command);

    /** Commands for {@code targetChain} not done yet, in seq order. */
    List<InstanceCommand> pending(String targetChain);

    /** Command {@code seq}, if it exists. */
    Optional<InstanceCommand> command(long seq);

    /**
     * Marks command {@code seq} done with {@code result}; a command already done keeps its first result.
     *
     * @return whether this call marked it (false: it was already done, or does not exist)
     */
    boolean done(long seq, String result, Instant at);

    /**
     * One gateway instance.
     *
     * @param chainId its audit chain id
     * @param name its label ({@code instance.name})
     * @param startedAt when it registered
     * @param heartbeatAt its last heartbeat
     * @param stoppedAt when it stopped gracefully, or null while running (or after a crash)
     * @param sshListen its SSH address ({@code host:port}), or null
     * @param webListen its HTTPS address, or null
     */
    record Instance(String chainId, String name, Instant startedAt, Instant heartbeatAt, Instant stoppedAt,
            String sshListen, String webListen) {
        /** Whether it counts as running at {@code now}: not stopped, and its heartbeat is at most {@code deadAfter} old. */
        public boolean alive(Instant now, Duration deadAfter) {
            return stoppedAt == null && !heartbeatAt.plus(deadAfter).isBefore(now);
        }

        /** Why another start of this chain is refused while this instance is alive: one line, with what to do. */
        public String runningProblem(Duration deadAfter) {
            return "another gateway instance runs audit chain " + chainId + " on this database ('" + name
                    + "', last heartbeat " + heartbeatAt + ", started " + startedAt + "): was data_dir/instance-id copied"
                    + " from another instance? Give each instance its own data_dir (copy only data/keys/), or wait "
                    + deadAfter.toSeconds() + " s after a crash";
        }
    }

    /**
     * One live session as its instance registered it.
     *
     * @param chainId the instance running it
     * @param login the node login, or null for a session on the gateway itself
     * @param node the node, or null for a session on the gateway itself
     * @param source the client's {@code ip:port}, or null
     * @param tenant the tenant the session belongs to (its node's; on the gateway, its user's), or null
     * @param grantId the elevation grant it runs under, or null
     * @param observable whether it is an interactive terminal (observable on its own instance)
     * @param bytesIn bytes from the client so far
     * @param bytesOut bytes to the client so far
     * @param updatedAt when its instance last wrote the row
     */
    record LiveRow(String sessionId, String chainId, String kind, String user, String login, String node,
            String source, String tenant, String grantId, boolean observable, Instant startedAt, long bytesIn,
            long bytesOut, Instant updatedAt) {}

    /**
     * A command one instance leaves for another.
     *
     * @param seq its number, from 1 (assigned by {@link #command(InstanceCommand)})
     * @param action {@link #TERMINATE}
     * @param actor the admin who asked
     * @param reason the reason the user is shown
     * @param originChain the instance the admin asked
     * @param originName that instance's name
     * @param doneAt when the target handled it, or null while pending
     * @param result what the target did ({@code terminated}, {@code gone}, {@code expired}), or null while pending
     */
    record InstanceCommand(long seq, String targetChain, String sessionId, String action, String actor, String reason,
            String originChain, String originName, Instant createdAt, Instant doneAt, String result) {}
}
