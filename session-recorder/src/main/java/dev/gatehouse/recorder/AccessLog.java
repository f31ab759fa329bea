package dev.gatehouse.recorder;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The just-in-time access log: elevation requests, decisions on them, locks, the elevated
 * certificates issued under a grant, and TOTP enrolments (issue 3).
 *
 * <p>It stores plain facts, append-only: a state change is a new row, never an update, and the
 * database refuses UPDATE and DELETE on these tables as it does on the audit tables. The gateway
 * folds the rows into state with the policy module's state machine (this module must not depend
 * on policy), so after a restart it rebuilds the same state: an expired grant stays expired, a
 * lock stays on.
 *
 * <p>Every write also appends a link for its row to the access chain (one hash chain per
 * database, R29) in the same transaction, and the store binds that link to its own chain with an
 * {@code access.chained} event (seq and hash); {@link AuditStore#verify()} checks each row against
 * its link, each link against the event that binds it (a link appended by INSERT has none), and
 * the chain against the access heads that signed checkpoints carry.
 *
 * <p>Obtained from {@link AuditStore#accessLog()}; it shares the store's connection pool and
 * lives as long as the store (closing the store closes it). Writes are synchronous: committed
 * before they return, since they are rare and a human waits for them. They throw
 * {@link StoreUnavailableException} when the database fails, and {@link IllegalArgumentException}
 * for bad input (a missing field, an unknown action, a decision on an unknown request). On a
 * read-only store (the CLI) reads work and writes are refused. Times are kept to the microsecond,
 * as in the audit tables; certificate serials are OpenSSH's unsigned 64-bit values in a signed
 * {@code long} (compare with {@link Long#compareUnsigned}).
 */
public interface AccessLog {

    /** Actions of a {@link DecisionRow}. */
    Set<String> DECISION_ACTIONS = Set.of("approve", "deny", "cancel", "revoke", "expire", "end");
    /** Actions of a {@link LockRow}. */
    Set<String> LOCK_ACTIONS = Set.of("lock", "unlock");
    /** Actions of an {@link ApiTokenRow}. */
    Set<String> API_TOKEN_ACTIONS = Set.of("issue", "revoke");
    /** What a {@link LockRow} names. */
    Set<String> LOCK_KINDS = Set.of("user", "node", "login", "tenant");

    /**
     * Any head: a write given it checks nothing about what was written before it (see the
     * {@code expectedHead} overloads).
     */
    long ANY_HEAD = -1;

    /** Stores a new request. @throws IllegalArgumentException when its id already exists */
    default void createRequest(RequestRow request) {
        createRequest(request, ANY_HEAD);
    }

    /**
     * {@link #createRequest(RequestRow)}, only when the access chain's head is still
     * {@code expectedHead}.
     *
     * @param expectedHead the {@link #head()} the caller judged the request against, or {@link #ANY_HEAD}
     * @throws StaleHeadException when any row was appended after {@code expectedHead} (nothing is stored)
     */
    void createRequest(RequestRow request, long expectedHead);

    /**
     * Appends a decision to its request, assigning the next seq of that request (the row's own
     * seq is ignored; pass 0). Concurrent appends to one request get distinct, gapless seqs.
     *
     * @return the seq assigned, from 1
     */
    default long appendDecision(DecisionRow decision) {
        return appendDecision(decision, ANY_HEAD);
    }

    /**
     * {@link #appendDecision(DecisionRow)}, only when the access chain's head is still
     * {@code expectedHead}: checked inside the write's database-wide exclusive section, so of two
     * instances judging the same head at once only the first writes, and the other learns it
     * must judge again (a deny and an approval of one request, a second approval past the count,
     * an expiry the new leader already wrote).
     *
     * @param expectedHead the {@link #head()} the caller judged the decision against, or {@link #ANY_HEAD}
     * @return the seq assigned, from 1
     * @throws StaleHeadException when any row was appended after {@code expectedHead} (nothing is stored)
     */
    long appendDecision(DecisionRow decision, long expectedHead);

    /** Appends a lock or unlock, assigning the next global seq (the row's own is ignored). @return it */
    default long appendLock(LockRow lock) {
        return appendLock(lock, ANY_HEAD);
    }

    /**
     * {@link #appendLock(LockRow)}, only when the access chain's head is still {@code expectedHead}.
     *
     * @param expectedHead the {@link #head()} the caller judged the lock or unlock against, or {@link #ANY_HEAD}
     * @return the lock seq assigned, from 1
     * @throws StaleHeadException when any row was appended after {@code expectedHead} (nothing is stored)
     */
    long appendLock(LockRow lock, long expectedHead);

    /** Records an elevated certificate issued under a request's grant. */
    void recordIssued(IssuedRow issued);

    /** Stores a user's TOTP secret, encrypted by the caller; a later enrolment replaces it. */
    void saveTotpSecret(String user, String ciphertext, Instant at);

    /** All requests, oldest first. */
    List<RequestRow> requests();

    /** Requests created at or after {@code since} (all when null), oldest first. */
    List<RequestRow> requests(Instant since);

    Optional<RequestRow> request(String id);

    /** One request's decisions in seq order. */
    List<DecisionRow> decisions(String requestId);

    /** Every decision, grouped by request id, each request's in seq order. */
    List<DecisionRow> allDecisions();

    /** Every lock and unlock in seq order; the caller folds them. */
    List<LockRow> locks();

    /**
     * The access-chain links after {@code afterSeq}, oldest first, each with the request, decision
     * or lock row it chains (issue 13: an instance catching up reads only what is new). Reads the
     * links by their seq and each row by its key (the tables' unique keys), so the cost is that of
     * the new rows, not of the whole log. Links of other kinds (issued certificates, TOTP
     * enrolments, API tokens) are listed without a row: they move the {@link #head()} too.
     *
     * <p>A link whose row is missing (only a hand-made link can be) is listed with no row; the
     * caller should then read everything ({@link #requests()}, {@link #allDecisions()},
     * {@link #locks()}). Rows stored without a link (an INSERT into the tables alone) are not
     * listed: they are on no chain.
     *
     * @param afterSeq an access-chain seq (0 for all)
     * @return the links with seq &gt; {@code afterSeq}, in seq order, as committed when read
     * @throws StoreUnavailableException when the database fails
     * @throws UnsupportedOperationException when this log keeps no access chain
     */
    default List<Change> changesAfter(long afterSeq) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no access chain");
    }

    /**
     * One access-chain link and the row it chains.
     *
     * @param chainSeq the link's seq on the access chain (the {@link #head()} once it is the newest)
     * @param kind what the link chains: request, decision, lock, issued, totp or api_token
     * @param request the request row, for kind request (null when it is missing)
     * @param decision the decision row, for kind decision (null when it is missing)
     * @param lock the lock or unlock row, for kind lock (null when it is missing)
     */
    record Change(long chainSeq, String kind, RequestRow request, DecisionRow decision, LockRow lock) {
        /** Whether the row this link chains is one of the kinds that fold into the access state. */
        public boolean folds() {
            return "request".equals(kind) || "decision".equals(kind) || "lock".equals(kind);
        }

        /** Whether it is a request, decision or lock link whose row was not found. */
        public boolean missingRow() {
            return folds() && request == null && decision == null && lock == null;
        }
    }

    /**
     * The decisions and locks whose access-chain links no gateway's own event proves (R29): links
     * bound by nothing, or only by the {@code access.unbound} a gateway recorded at its start.
     * An honest crash between a link and its event leaves such rows, and so does an attacker who
     * may only INSERT (an unlock, an approval nobody gave). The gateway folds them in only where
     * they restrict access (fail safe): an unproven approval or unlock is ignored.
     */
    default Unproven unproven() {
        return Unproven.NONE;
    }

    /**
     * Rows without a proving event.
     *
     * @param decisions decision keys, as {@code requestId + "#" + seq}
     * @param locks lock seqs
     */
    record Unproven(Set<String> decisions, Set<Long> locks) {
        public static final Unproven NONE = new Unproven(Set.of(), Set.of());

        public Unproven {
            decisions = Set.copyOf(decisions);
            locks = Set.copyOf(locks);
        }

        public boolean decision(String requestId, long seq) {
            return decisions.contains(requestId + "#" + seq);
        }

        public boolean lock(long seq) {
            return locks.contains(seq);
        }

        public boolean isEmpty() {
            return decisions.isEmpty() && locks.isEmpty();
        }
    }

    /**
     * The access chain's head: the seq of the newest access-log row of any kind, written by any
     * gateway instance sharing the database (0 when there is none). Every write raises it, so an
     * instance that sees it above what it last read has changes to read (ChangeFeed.ACCESS).
     */
    default long head() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no access chain");
    }

    /**
     * Waits (boundedly) until the {@code access.chained} events that prove this instance's rows
     * written so far are committed, so that another instance reading them finds them proven
     * ({@link #unproven()}). Call it before announcing a write to other instances. Never throws: a
     * store that cannot commit them now returns at once (the rows stay unproven until it can).
     */
    default void awaitBound() {
        // nothing queued
    }

    /**
     * Claims TOTP time step {@code step} (RFC 6238: floor(unix seconds / 30)) for {@code user}:
     * true when it is later than every step claimed for that user before, by this or any other
     * instance sharing the database, and is now recorded; false when that step or a later one was
     * claimed already (a replay). Of concurrent claims of one step exactly one wins. Durable when it
     * returns.
     *
     * @throws IllegalArgumentException for a missing user or time
     * @throws StoreUnavailableException when the database fails (nothing is claimed)
     */
    default boolean claimTotpStep(String user, long step, Instant at) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no TOTP steps");
    }

    /** Certificates issued under a request, in issue order. */
    List<IssuedRow> issued(String requestId);

    /** The user's current (latest) encrypted TOTP secret, if enrolled. */
    Optional<String> totpSecret(String user);

    /**
     * Appends an API token's issue or revocation, assigning the next seq of that token id (the
     * row's own seq is ignored; pass 0). A revocation needs the token's issue row.
     *
     * @return the seq assigned, from 1
     * @throws IllegalArgumentException for bad input, an issue of an id that exists, or a revocation of an unknown id
     */
    default long appendApiToken(ApiTokenRow row) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no API tokens");
    }

    /** The rows of API token {@code id} in seq order (empty when unknown). */
    default List<ApiTokenRow> apiToken(String id) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no API tokens");
    }

    /** The rows of every API token of {@code user}, newest issue first, each token's rows in seq order. */
    default List<ApiTokenRow> apiTokens(String user) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " keeps no API tokens");
    }

    /**
     * An elevation request. It names either one node or a label selector of nodes.
     *
     * @param tenant the requester's tenant, or null when tenants are not used
     * @param targetNode the node asked for, or null when a selector is given
     * @param targetSelector labels the nodes must carry (kept sorted; stored as canonical JSON; never
     *     empty, which would match every node), or null when a node is named
     * @param duration how long the grant should last, whole seconds
     * @param reason the requester's reason, or null when none was required or given
     */
    record RequestRow(String id, String requester, String tenant, String login, String targetNode,
            Map<String, String> targetSelector, Duration duration, String reason, Instant created) {
        public RequestRow {
            targetSelector = targetSelector == null ? null : Collections.unmodifiableMap(new TreeMap<>(targetSelector));
        }
    }

    /**
     * A decision on a request.
     *
     * @param seq position in the request's history, from 1 (assigned by {@link #appendDecision})
     * @param action one of {@link #DECISION_ACTIONS}
     * @param actor who decided (a user, or the gateway for expire and end)
     * @param comment free text, or null
     * @param certificateSerial a certificate the decision concerns, or null
     * @param jws the signed statement binding actor, request, decision and time, or null
     */
    record DecisionRow(String requestId, long seq, String action, String actor, String comment, Instant time,
            Long certificateSerial, String jws) {}

    /**
     * A lock or an unlock.
     *
     * @param seq global position, from 1 (assigned by {@link #appendLock})
     * @param action one of {@link #LOCK_ACTIONS}
     * @param kind one of {@link #LOCK_KINDS}
     * @param tenant the tenant the lock is limited to (a tenant admin's lock), or null for every tenant
     * @param reason free text, or null
     */
    record LockRow(long seq, String action, String kind, String name, String tenant, String actor, String reason,
            Instant time) {
        /** A lock or unlock that applies in every tenant. */
        public LockRow(long seq, String action, String kind, String name, String actor, String reason, Instant time) {
            this(seq, action, kind, name, null, actor, reason, time);
        }
    }

    /**
     * An elevated certificate issued under a request's grant.
     *
     * @param sessionId the session it was issued for, or null
     * @param validBefore the certificate's end of validity
     * @param time when it was issued
     */
    record IssuedRow(String requestId, long serial, String sessionId, Instant validBefore, Instant time) {}

    /**
     * One fact about a console API token (issue 12): its issue or its revocation.
     *
     * @param id the token's {@code jti}
     * @param seq position in the token's history, from 1 (assigned by {@link #appendApiToken})
     * @param action one of {@link #API_TOKEN_ACTIONS}
     * @param user the token's owner ({@code sub})
     * @param name the owner's label, or null
     * @param keyFingerprint the SSH key the token was issued to ({@code SHA256:...}), or ""
     * @param expires the token's {@code exp}
     * @param actor who issued or revoked it
     * @param time when
     */
    record ApiTokenRow(String id, long seq, String action, String user, String name, String keyFingerprint,
            Instant expires, String actor, Instant time) {}
}
