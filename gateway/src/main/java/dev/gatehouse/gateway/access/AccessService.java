package dev.gatehouse.gateway.access;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.IdentityCheck;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.policy.AccessRequest;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Lock;
import dev.gatehouse.policy.NodeTarget;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.policy.RequestEvent;
import dev.gatehouse.policy.RequestState;
import dev.gatehouse.policy.Result;
import dev.gatehouse.recorder.AccessLog;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.ChangeFeed;
import dev.gatehouse.recorder.LeaderLock;
import dev.gatehouse.recorder.StaleHeadException;
import dev.gatehouse.recorder.StoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Just-in-time elevation and kill switches at run time: requests, approvals, grants and locks.
 *
 * <p>Every change follows the same order: judge it with the pure rules of the policy module,
 * write it to the access log (synchronously; a store failure refuses the change), then swap the
 * in-memory state, append an audit event, and act: cut sessions, notify. At start the state is
 * rebuilt from the log, and time that passed while the gateway was down is applied, so an expired
 * grant stays expired and a lock stays on.
 *
 * <p>Several instances on one database (DESIGN.md "Several instances and operations"): the log is
 * the one truth. Each write is announced on the {@link ChangeFeed} ({@link ChangeFeed#ACCESS},
 * with the access chain's head); on every announcement and at least once a poll interval,
 * {@link #catchUp()} folds the rows after the last one folded when the head moved past it (the
 * whole log only at the start and when something is unusual, see {@link #fold}), cuts the
 * local sessions that a new lock or a revocation ends (the same lines as on the instance that
 * made the change), and {@link #enforce()} judges the rest. Every write catches up first, so the
 * state machine judges the newest state. Time-driven writes (pending-request expiry, grant end)
 * and policy withdrawals are singleton jobs: only the instance that holds the {@link LeaderLock}
 * writes them; the others apply them in memory (and cut their own sessions) until the leader's
 * rows arrive.
 *
 * <p>Catching up first is not enough when two instances write at the same moment: each write
 * names the access chain head its state was folded at, and the store refuses it
 * ({@link StaleHeadException}) when another row came in between; the service then catches up,
 * judges again under the same rules and retries, up to {@link #WRITE_ATTEMPTS} times (a lock,
 * judged on nothing before it, is written unconditionally: a kill switch never loses a race). So the
 * instance that loses a race answers as if it had seen the winner's write ("request was denied",
 * "request is already approved"), and an expiry an old leader judged is not stored twice.
 */
public final class AccessService {
    private static final Logger LOG = LoggerFactory.getLogger(AccessService.class);
    static final String GATEWAY = "gatehouse";

    private final PolicyHolder policy;
    private final AccessLog log;
    private final AuditTrail audit;
    private final SessionRegistry sessions;
    private final JwsSigner signer;
    private final Clock clock;
    private final Duration pendingTimeout;
    private final Consumer<Map<String, Object>> notifier;
    private final ChangeFeed changes;
    private final LeaderLock leader;
    private volatile AccessState state = AccessState.empty();
    /** The access chain's head as of the last fold (-1 before the first); guarded by {@code this}. */
    private long folded = -1;
    /**
     * What the log says, as folded up to access-chain seq {@link #logFolded}: requests by id, the
     * newest decision seq read per request, the locks on and the newest lock seq read, and the rows
     * ignored for want of proof. Unlike {@link #state}, it holds nothing in memory only (this
     * instance's writes not folded yet, expiries held until the leader writes them); guarded by
     * {@code this}.
     */
    private final Map<String, AccessRequest> logRequests = new HashMap<>();
    private final Map<String, Long> lastDecision = new HashMap<>();
    private final Set<Lock> logLocks = new HashSet<>();
    private long lastLockSeq;
    private final Map<String, Ignored> ignoredRows = new java.util.LinkedHashMap<>();
    /** The access-chain seq the log's fold covers (-1 before the first); guarded by {@code this}. */
    private long logFolded = -1;
    /** The head read just after the last full fold: links up to it may be folded already; guarded by {@code this}. */
    private long overlapUntil = -1;
    private int fullFolds;
    /** The most links a catch-up folds one by one; more (an instance that was cut off long) are folded in full. */
    static final int MAX_INCREMENT = 1000;
    /** Unproven rows found by a fold after the start and not reported yet, with when first found; guarded by {@code this}. */
    private final Map<String, Instant> unprovenSince = new HashMap<>();
    /** Unproven rows reported ({@code access.ignored}) by this process; guarded by {@code this}. */
    private final Set<String> unprovenReported = new HashSet<>();
    private boolean subscribed;
    /**
     * How long an unproven row found while catching up waits before it is reported as ignored:
     * another instance's row is committed a moment before the event that proves it.
     */
    static final Duration UNPROVEN_GRACE = Duration.ofSeconds(5);
    /** How often a write is judged again when another instance's write came first, before it is refused. */
    static final int WRITE_ATTEMPTS = 3;

    /** A single instance: no feed, always the leader. */
    public AccessService(PolicyHolder policy, AccessLog log, AuditTrail audit, SessionRegistry sessions, JwsSigner signer,
            Clock clock, Duration pendingTimeout, Consumer<Map<String, Object>> notifier) {
        this(policy, log, audit, sessions, signer, clock, pendingTimeout, notifier, null, LeaderLock.always());
    }

    /**
     * @param changes the feed this instance's writes are announced on and other instances' are
     *     heard from, or null for none (a single instance)
     * @param leader whether this instance runs the time-driven writes now
     */
    public AccessService(PolicyHolder policy, AccessLog log, AuditTrail audit, SessionRegistry sessions, JwsSigner signer,
            Clock clock, Duration pendingTimeout, Consumer<Map<String, Object>> notifier, ChangeFeed changes,
            LeaderLock leader) {
        this.changes = changes;
        this.leader = leader;
        this.policy = policy;
        this.log = log;
        this.audit = audit;
        this.sessions = sessions;
        this.signer = signer;
        this.clock = clock;
        this.pendingTimeout = pendingTimeout;
        this.notifier = notifier;
    }

    /** Now, to the microsecond: what the store keeps, so signed times match stored ones exactly. */
    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    /** The current requests and locks (for decisions on the data path). */
    public AccessState state() {
        return state;
    }

    public Clock clock() {
        return clock;
    }

    public AccessLog log() {
        return log;
    }

    /**
     * Rebuilds the state from the log, then applies the time that passed; from then on follows
     * the other instances' changes on the feed.
     */
    public synchronized void load() {
        fold(true);
        LOG.info("access state loaded: {} requests ({} live), {} locks", state.requests().size(),
                state.requests().stream().filter(r -> r.state().live()).count(), state.locks().size());
        if (changes != null && !subscribed) {
            subscribed = true;
            changes.subscribe(ChangeFeed.ACCESS, seq -> heard());
        }
        tick();
    }

    /** At the stop: releases the singleton jobs' lock, so another instance takes them over at its next tick. */
    public void stopLeading() {
        leader.close();
    }

    /** On the feed's thread: an announcement, or the poll. */
    private void heard() {
        try {
            if (catchUp()) {
                enforce();
            }
        } catch (StoreUnavailableException e) {
            // the store's own failure is reported by the store; this repeats every poll meanwhile
            LOG.debug("cannot read the access log's changes now ({}); trying again at the next poll", e.getMessage());
        }
    }

    /**
     * Folds every access-log change after the last one seen (this or another instance's) into the
     * state, when there is any, and cuts the local sessions a new lock or a revocation ends.
     *
     * @return whether the state was folded again
     * @throws StoreUnavailableException when the log cannot be read (the state stays as it was)
     */
    public synchronized boolean catchUp() {
        if (log.head() == folded && unprovenSince.isEmpty()) {
            return false;
        }
        AccessState before = state;
        // time that passed is applied by tick(): written there by the leader, held in memory by the
        // others; until then the rules judge every request against the clock anyway
        fold(false);
        cutWhatChanged(before, state);
        return true;
    }

    /** Ends local sessions that a lock or a revocation new in {@code after} ends, with the lines the deciding instance uses. */
    private void cutWhatChanged(AccessState before, AccessState after) {
        for (Lock lock : after.locks()) {
            if (!before.locks().contains(lock)) {
                int ended = sessions.terminate(s -> cuts(lock, s), lock.describe() + " was locked by " + lock.by());
                if (ended > 0) {
                    LOG.info("{} was locked by {} on another instance; {} live session(s) ended here", lock.describe(), lock.by(), ended);
                }
            }
        }
        for (AccessRequest r : after.requests()) {
            AccessRequest was = before.request(r.id()).orElse(null);
            if (r.state() != RequestState.REVOKED || (was != null && was.state() == RequestState.REVOKED)) {
                continue;
            }
            String why = GATEWAY.equals(r.closedBy()) ? "grant " + r.id() + " was withdrawn: " + r.closeReason()
                    : "grant " + r.id() + " was revoked by " + r.closedBy();
            int ended = sessions.terminate(s -> r.id().equals(s.grantId()), why);
            if (ended > 0) {
                LOG.info("{} on another instance; {} live session(s) ended here", why, ended);
            }
        }
    }

    /**
     * Brings the state up to the log's head. At the start, and whenever anything is unusual, from
     * the whole log ({@link #foldAll}); otherwise from the links after the last one folded only
     * ({@link #foldNew}): a catch-up after one write reads that row, not the year of history
     * before it (issue 13).
     *
     * <p>Rows no gateway's own event proves count only where they restrict access; at the start
     * they are reported at once, later only once they stayed unproven for {@link #UNPROVEN_GRACE}
     * (another instance's row is stored a moment before the event that proves it; until then it is
     * checked again at every poll).
     */
    private void fold(boolean atStart) {
        if (atStart || !foldNew()) {
            foldAll();
        }
        state = new AccessState(List.copyOf(logRequests.values()), logLocks);
        folded = logFolded;
        report(atStart);
    }

    /** A full fold: every request, decision and lock, read again. */
    private void foldAll() {
        long head = log.head(); // first: rows added while reading are folded again next time
        Rebuilt r = rebuild(log, pendingTimeout);
        logRequests.clear();
        logRequests.putAll(r.requests());
        lastDecision.clear();
        lastDecision.putAll(r.lastDecision());
        logLocks.clear();
        logLocks.addAll(r.locks());
        lastLockSeq = r.lastLockSeq();
        ignoredRows.clear();
        ignoredRows.putAll(r.ignored());
        logFolded = head;
        // rows stored while the log was read (after head) may be folded already: the next catch-up
        // reads them again from head and skips the ones it finds folded
        overlapUntil = log.head();
        fullFolds++;
    }

    /** What a full fold rebuilds from the log. */
    record Rebuilt(Map<String, AccessRequest> requests, Map<String, Long> lastDecision, Set<Lock> locks, long lastLockSeq,
            Map<String, Ignored> ignored) {
        AccessState state() {
            return new AccessState(List.copyOf(requests.values()), locks);
        }
    }

    /**
     * A row that is not folded because no gateway's event proves it.
     *
     * @param requestId the request of an approval, or null for an unlock
     * @param seq the decision's seq in its request, or the unlock's lock seq
     */
    record Ignored(String kind, String what, String requestId, long seq) {
        boolean stillUnproven(AccessLog.Unproven unproven) {
            return requestId != null ? unproven.decision(requestId, seq) : unproven.lock(seq);
        }
    }

    /** Rebuilds the state from the whole log, reading and changing nothing else. */
    static Rebuilt rebuild(AccessLog log, Duration pendingTimeout) {
        Map<String, AccessRequest> byId = new HashMap<>();
        Map<String, Long> lastDecision = new HashMap<>();
        for (AccessLog.RequestRow row : log.requests()) {
            byId.put(row.id(), RequestReplay.pending(row, pendingTimeout));
        }
        // rows no gateway's own event proves count only where they restrict access (fail safe):
        // an approval or an unlock that may have been INSERTed by hand is not folded in
        AccessLog.Unproven unproven = log.unproven();
        Map<String, Ignored> ignored = new java.util.LinkedHashMap<>();
        for (AccessLog.DecisionRow d : log.allDecisions()) {
            AccessRequest r = byId.get(d.requestId());
            if (r == null) {
                continue;
            }
            lastDecision.merge(d.requestId(), d.seq(), Math::max);
            if (d.action().equals("approve") && unproven.decision(d.requestId(), d.seq())) {
                ignored.put(decisionKey(d), ignoredDecision(d));
                continue;
            }
            byId.put(r.id(), RequestReplay.apply(r, d));
        }
        Set<Lock> locks = new HashSet<>();
        long lastLock = 0;
        for (AccessLog.LockRow row : log.locks()) {
            lastLock = Math.max(lastLock, row.seq());
            if (row.action().equals("unlock") && unproven.lock(row.seq())) {
                ignored.put(lockKey(row), ignoredUnlock(row));
                continue;
            }
            applyLock(locks, row);
        }
        return new Rebuilt(byId, lastDecision, locks, lastLock, ignored);
    }

    private static String decisionKey(AccessLog.DecisionRow d) {
        return "d:" + d.requestId() + "#" + d.seq();
    }

    private static String lockKey(AccessLog.LockRow row) {
        return "l:" + row.seq();
    }

    private static Ignored ignoredDecision(AccessLog.DecisionRow d) {
        return new Ignored("decision", d.requestId() + " #" + d.seq() + " (approve by " + d.actor() + ")", d.requestId(), d.seq());
    }

    private static Ignored ignoredUnlock(AccessLog.LockRow row) {
        return new Ignored("lock", "#" + row.seq() + " (unlock " + row.kind() + " " + row.name() + " by " + row.actor() + ")",
                null, row.seq());
    }

    private static void applyLock(Set<Lock> locks, AccessLog.LockRow row) {
        Lock lock = RequestReplay.lock(row);
        if (row.action().equals("lock")) {
            locks.add(lock);
        } else {
            locks.removeIf(l -> l.kind() == lock.kind() && l.name().equals(lock.name())
                    && java.util.Objects.equals(l.tenant(), lock.tenant()));
        }
    }

    /**
     * Folds the links after {@link #logFolded} into what was folded, in chain order: a request,
     * its decisions in seq order, locks and unlocks in seq order, exactly as {@link #rebuild} would
     * with the rows read so far. Asks whether rows are proven only when one could need it (a new
     * approval or unlock, or a row still waiting for its proof).
     *
     * @return false, having changed nothing a full fold does not replace, when a full fold is
     *     needed: the head went backwards or jumped more than {@link #MAX_INCREMENT} rows, a gap, a
     *     link without its row, a row out of order or of an unknown request, a log that keeps no
     *     chain, or a row ignored for want of proof that is proven now (it would have to be
     *     applied before rows already folded)
     */
    private boolean foldNew() {
        if (logFolded < 0) {
            return false;
        }
        long head = log.head();
        if (head < logFolded || head - logFolded > MAX_INCREMENT) {
            return false;
        }
        List<AccessLog.Change> changes;
        try {
            changes = head == logFolded ? List.of() : log.changesAfter(logFolded);
        } catch (UnsupportedOperationException e) {
            return false;
        }
        long expect = logFolded + 1;
        boolean needsProof = !ignoredRows.isEmpty();
        for (AccessLog.Change c : changes) {
            if (c.chainSeq() != expect++ || c.missingRow()) {
                return false;
            }
            needsProof |= c.decision() != null && c.decision().action().equals("approve")
                    || c.lock() != null && c.lock().action().equals("unlock");
        }
        if (expect - 1 < head) {
            return false; // the head said more than the links read: something is off
        }
        AccessLog.Unproven unproven = needsProof ? log.unproven() : AccessLog.Unproven.NONE;
        for (Ignored i : ignoredRows.values()) {
            if (!i.stillUnproven(unproven)) {
                return false; // proven now: it belongs before rows folded after it
            }
        }
        // checks before changes: what follows returns false only before changing anything it cannot undo
        Map<String, AccessRequest> requests = new HashMap<>();
        Map<String, Long> decisions = new HashMap<>();
        long lockSeq = lastLockSeq;
        for (AccessLog.Change c : changes) {
            boolean overlap = c.chainSeq() <= overlapUntil;
            if (c.request() != null) {
                String id = c.request().id();
                if (logRequests.containsKey(id) || requests.containsKey(id)) {
                    if (overlap) {
                        continue; // the full fold read it already
                    }
                    return false;
                }
                requests.put(id, null);
            } else if (c.decision() != null) {
                AccessLog.DecisionRow d = c.decision();
                if (!logRequests.containsKey(d.requestId()) && !requests.containsKey(d.requestId())) {
                    return false;
                }
                long last = decisions.getOrDefault(d.requestId(), lastDecision.getOrDefault(d.requestId(), 0L));
                if (d.seq() <= last) {
                    if (overlap) {
                        continue;
                    }
                    return false;
                }
                decisions.put(d.requestId(), d.seq());
            } else if (c.lock() != null) {
                if (c.lock().seq() <= lockSeq) {
                    if (overlap) {
                        continue;
                    }
                    return false;
                }
                lockSeq = c.lock().seq();
            }
        }
        for (AccessLog.Change c : changes) {
            if (c.request() != null) {
                if (!logRequests.containsKey(c.request().id())) {
                    logRequests.put(c.request().id(), RequestReplay.pending(c.request(), pendingTimeout));
                }
            } else if (c.decision() != null) {
                AccessLog.DecisionRow d = c.decision();
                if (d.seq() <= lastDecision.getOrDefault(d.requestId(), 0L)) {
                    continue; // folded already (the overlap after a full fold)
                }
                lastDecision.put(d.requestId(), d.seq());
                if (d.action().equals("approve") && unproven.decision(d.requestId(), d.seq())) {
                    ignoredRows.put(decisionKey(d), ignoredDecision(d));
                    continue;
                }
                logRequests.put(d.requestId(), RequestReplay.apply(logRequests.get(d.requestId()), d));
            } else if (c.lock() != null) {
                AccessLog.LockRow row = c.lock();
                if (row.seq() <= lastLockSeq) {
                    continue;
                }
                lastLockSeq = row.seq();
                if (row.action().equals("unlock") && unproven.lock(row.seq())) {
                    ignoredRows.put(lockKey(row), ignoredUnlock(row));
                    continue;
                }
                applyLock(logLocks, row);
            }
        }
        logFolded = expect - 1;
        return true;
    }

    /** Reports the rows ignored for want of proof: at the start at once, later once they stayed unproven for the grace. */
    private void report(boolean atStart) {
        Instant now = now();
        unprovenSince.keySet().retainAll(ignoredRows.keySet());
        for (Map.Entry<String, Ignored> e : ignoredRows.entrySet()) {
            if (unprovenReported.contains(e.getKey())) {
                continue;
            }
            Instant since = unprovenSince.computeIfAbsent(e.getKey(), k -> now);
            if (atStart || !now.isBefore(since.plus(UNPROVEN_GRACE))) {
                ignored(e.getValue().kind(), e.getValue().what());
                unprovenReported.add(e.getKey());
                unprovenSince.remove(e.getKey());
            }
        }
    }

    /** The state a full fold of the log gives now, changing nothing (for tests comparing it with the caught-up state). */
    AccessState rebuiltFromLog() {
        return rebuild(log, pendingTimeout).state();
    }

    /** How many full folds this service made (for tests). */
    synchronized int fullFolds() {
        return fullFolds;
    }

    /** Tells the other instances (and this one's feed) that the access log changed; never fails the write. */
    private void announce() {
        if (changes == null) {
            return;
        }
        try {
            log.awaitBound(); // the others then find the new row proven, not an unproven approval or unlock
            changes.publish(ChangeFeed.ACCESS, log.head());
        } catch (RuntimeException e) {
            // the write is committed; the others' polls find it
            LOG.warn("cannot announce an access change ({}); the other instances find it at their next poll", e.getMessage());
        }
    }

    /**
     * Runs {@code judgeAndWrite} against the newest state: catches up first, and when the store
     * refuses its write because another write moved the head in between, catches up and runs it
     * again (it judges again, so it may now refuse), up to {@link #WRITE_ATTEMPTS} times.
     *
     * @throws Refused when the log kept changing for every attempt (nothing was stored)
     */
    private <T> T judged(String what, java.util.function.Supplier<T> judgeAndWrite) {
        for (int attempt = 1; ; attempt++) {
            catchUp();
            try {
                return judgeAndWrite.get();
            } catch (StaleHeadException e) {
                if (attempt >= WRITE_ATTEMPTS) {
                    LOG.warn("{}: the access log changed under every one of {} attempts; refused ({})", what, attempt,
                            e.getMessage());
                    throw new Refused("the access log kept changing while " + what + " was judged (" + attempt
                            + " attempts); nothing was stored, try again");
                }
                LOG.info("{}: another write came first (head {} instead of {}); judging it again", what, e.actual(),
                        e.expected());
            }
        }
    }

    /** After a write judged at {@code folded} was stored: the state now is the log's up to the write's link. */
    private void wrote() {
        folded++;
    }

    private void ignored(String kind, String what) {
        LOG.warn("access log {} {} is not proven by any gateway's event (a crash between the row and its event, or a row"
                + " inserted by hand): not applied", kind, what);
        audit.append(audit.event(EventType.ACCESS_IGNORED, "info").withUser(GATEWAY).with("row", kind + " " + what)
                .with("reason", "no gateway's event proves it; approvals and unlocks that are not proven are not applied"));
    }

    /** A new request; returns it, or throws {@link Refused} with the one-line reason. */
    public synchronized AccessRequest request(String requester, String login, NodeTarget target, Duration duration,
            String reason) {
        return judged("the request of " + requester, () -> requestOnce(requester, login, target, duration, reason));
    }

    private AccessRequest requestOnce(String requester, String login, NodeTarget target, Duration duration, String reason) {
        Instant now = now();
        String id = RequestIds.next();
        Result<AccessRequest> result = dev.gatehouse.policy.ElevationRules.newRequest(policy.current().policy(), id, requester,
                login, target, duration, reason, now, state, pendingTimeout);
        if (!result.isOk()) {
            refusedEvent(EventType.REQUEST_REFUSED, requester, null, result.reason(), Map.of("login", login, "target", target.toString()));
            throw new Refused(result.reason());
        }
        AccessRequest r = result.value();
        log.createRequest(new AccessLog.RequestRow(r.id(), r.requester(), r.tenant(), r.login(), target.node(),
                target.isSelector() ? target.selector() : null, r.duration(), r.reason(), r.createdAt()), folded);
        wrote();
        state = state.withRequest(r);
        announce();
        audit.append(requestEvent(EventType.REQUEST_CREATED, "success", r, requester).with("duration", r.duration()).with("reason", r.reason()));
        notify(EventType.REQUEST_CREATED, r, requester, null);
        return r;
    }

    public synchronized AccessRequest approve(String approver, String id, String comment) {
        return decide(id, approver, "approve", comment, new RequestEvent.Approve(approver, comment, now()));
    }

    public synchronized AccessRequest deny(String approver, String id, String reason) {
        return decide(id, approver, "deny", reason, new RequestEvent.Deny(approver, reason, now()));
    }

    public synchronized AccessRequest cancel(String requester, String id) {
        return decide(id, requester, "cancel", null, new RequestEvent.Cancel(requester, now()));
    }

    /** Ends a grant (or a pending request); its live sessions end at once. */
    public synchronized AccessRequest revoke(String by, String id) {
        AccessRequest r = decide(id, by, "revoke", null, new RequestEvent.Revoke(by, now()));
        int ended = sessions.terminate(s -> id.equals(s.grantId()), "grant " + id + " was revoked by " + by);
        LOG.info("grant {} revoked by {}; {} live session(s) ended", id, by, ended);
        return r;
    }

    private AccessRequest decide(String id, String actor, String action, String comment, RequestEvent event) {
        return judged("the " + action + " of request " + id + " by " + actor,
                () -> decideOnce(id, actor, action, comment, event));
    }

    private AccessRequest decideOnce(String id, String actor, String action, String comment, RequestEvent event) {
        AccessRequest before = visible(actor, id);
        if (unprovenSince.keySet().stream().anyMatch(k -> k.startsWith("d:" + id + "#"))) {
            // another instance's approval of it is stored but its proving event is not yet: judged
            // without it, this decision could contradict it (a deny after a grant, an approval too many)
            String why = "request " + id + " has an approval from another instance that is not confirmed yet; try again in"
                    + " a few seconds";
            refusedEvent(refusedType(action), actor, before, why, Map.of());
            throw new Refused(why);
        }
        Policy p = policy.current().policy();
        Result<AccessRequest> result = dev.gatehouse.policy.ElevationRules.apply(p, before, event, state);
        AccessRequest after = result.value();
        if (!result.isOk()) {
            if (after != null && after.state() != before.state()) {
                record(before, after, event.at());
            }
            refusedEvent(refusedType(action), actor, before, result.reason(), Map.of());
            throw new Refused(result.reason());
        }
        record(before, after, event.at());
        // the signed statement binds who decided what about which request, when, and with what result
        String jws = sign(action, actor, after, comment, event.at());
        log.appendDecision(new AccessLog.DecisionRow(id, 0, action, actor, comment, event.at(), null, jws), folded);
        wrote();
        state = state.withRequest(after);
        announce();
        EventType type = switch (action) {
            case "approve" -> after.state() == RequestState.ACTIVE ? EventType.GRANT_ACTIVE : EventType.REQUEST_APPROVED;
            case "deny" -> EventType.REQUEST_DENIED;
            case "cancel" -> EventType.REQUEST_CANCELLED;
            default -> EventType.GRANT_REVOKED;
        };
        audit.append(requestEvent(type, "success", after, actor).with("comment", comment).with("approvals", after.approvals().size())
                .with("window_end", after.windowEnd()).with("signature", jws));
        notify(type, after, actor, comment);
        return after;
    }

    /** The request if {@code user} may see it; otherwise the same "no such request" as for a missing id. */
    public AccessRequest visible(String user, String id) {
        AccessRequest r = state.request(id).orElse(null);
        if (r == null || !dev.gatehouse.policy.ElevationRules.canSee(policy.current().policy(), user, r)) {
            throw new Refused("no request '" + id + "'");
        }
        return r;
    }

    /** Requests {@code user} may see, newest first. */
    public List<AccessRequest> visibleRequests(String user) {
        Policy p = policy.current().policy();
        return state.requests().stream().filter(r -> dev.gatehouse.policy.ElevationRules.canSee(p, user, r))
                .sorted((a, b) -> b.createdAt().compareTo(a.createdAt())).toList();
    }

    /** Sets a lock: matching sessions end now; new sessions, certificates and approvals are refused. */
    public synchronized Lock lock(String by, Lock.Kind kind, String name, String reason) {
        return judged("the lock of " + kind.name().toLowerCase(Locale.ROOT) + " " + name + " by " + by,
                () -> lockOnce(by, kind, name, reason));
    }

    private Lock lockOnce(String by, Lock.Kind kind, String name, String reason) {
        Result<Lock> result = dev.gatehouse.policy.ElevationRules.lock(policy.current().policy(), by, kind, name, reason, now());
        if (!result.isOk()) {
            refusedEvent(EventType.LOCK_REFUSED, by, null, result.reason(), Map.of("kind", kind.name().toLowerCase(Locale.ROOT), "name", name));
            throw new Refused(result.reason());
        }
        Lock lock = result.value();
        // a kill switch: judged on nothing written before it, so it is never refused for a race
        // (the state is folded again at the next catch-up, as the head may have moved)
        log.appendLock(new AccessLog.LockRow(0, "lock", kind.name().toLowerCase(Locale.ROOT), name, lock.tenant(), by, reason, lock.at()),
                AccessLog.ANY_HEAD);
        state = state.withLock(lock);
        announce();
        int ended = sessions.terminate(s -> cuts(lock, s), lock.describe() + " was locked by " + by);
        audit.append(audit.event(EventType.LOCK_SET, "success").withUser(by).with("kind", kind.name().toLowerCase(Locale.ROOT))
                .with("name", name).with("tenant", lock.tenant()).with("reason", reason).with("sessions_ended", ended));
        notifier.accept(Map.of("event", EventType.LOCK_SET.wire(), "by", by, "kind", kind.name().toLowerCase(Locale.ROOT), "name", name,
                "time", lock.at().toString()));
        return lock;
    }

    /**
     * Whether {@code lock} ends {@code s}: every lock ends the node sessions it matches; only a user
     * lock ends a gateway shell (see {@link IdentityCheck}).
     */
    static boolean cuts(Lock lock, LiveSession s) {
        if (s.node() == null && lock.kind() != Lock.Kind.USER) {
            return false;
        }
        return lock.matches(s.user(), s.userTenant(), s.login(), s.node(), s.nodeTenant());
    }

    /**
     * Lifts a lock. The permission is checked before anything about the lock is looked at, so a
     * user who may not unlock learns nothing about what is locked; a tenant admin finds only the
     * locks of their own tenant and the ones that apply to every tenant.
     */
    public synchronized void unlock(String by, Lock.Kind kind, String name) {
        unlock(by, kind, name, null);
    }

    /**
     * As {@link #unlock(String, Lock.Kind, String)}, with why: {@code reason} (null, or at most 500
     * characters without control or invisible characters; blank counts as none) is kept on the
     * access chain's unlock row and in the {@code lock.lifted} event. A bad reason is refused
     * before anything is written.
     *
     * @throws Refused naming what is wrong
     */
    public synchronized void unlock(String by, Lock.Kind kind, String name, String reason) {
        judged("the unlock of " + kind.name().toLowerCase(Locale.ROOT) + " " + name + " by " + by, () -> {
            unlockOnce(by, kind, name, reason == null || reason.isBlank() ? null : reason.strip());
            return null;
        });
    }

    private void unlockOnce(String by, Lock.Kind kind, String name, String reason) {
        Policy p = policy.current().policy();
        String kindName = kind.name().toLowerCase(Locale.ROOT);
        java.util.Optional<String> notAdmin = dev.gatehouse.policy.ElevationRules.adminProblem(p, by, "unlock");
        if (notAdmin.isPresent()) {
            refusedEvent(EventType.UNLOCK_REFUSED, by, null, notAdmin.get(), Map.of("kind", kindName, "name", name));
            throw new Refused(notAdmin.get());
        }
        String adminTenant = p.user(by).flatMap(dev.gatehouse.policy.User::tenant).orElse(null);
        Lock existing = state.locks().stream().filter(l -> l.kind() == kind && l.name().equals(name))
                .filter(l -> adminTenant == null || l.tenant() == null || adminTenant.equals(l.tenant()))
                .min(java.util.Comparator.comparing((Lock l) -> l.tenant() == null ? 1 : 0))
                .orElse(null);
        if (existing == null) {
            String why = kindName + " '" + name + "' is not locked";
            refusedEvent(EventType.UNLOCK_REFUSED, by, null, why, Map.of("kind", kindName, "name", name));
            throw new Refused(why);
        }
        Result<Lock> result = dev.gatehouse.policy.ElevationRules.unlock(p, by, existing, reason);
        if (!result.isOk()) {
            refusedEvent(EventType.UNLOCK_REFUSED, by, null, result.reason(), Map.of("kind", kindName, "name", name));
            throw new Refused(result.reason());
        }
        Instant now = now();
        log.appendLock(new AccessLog.LockRow(0, "unlock", kindName, name, existing.tenant(), by, reason, now), folded);
        wrote();
        state = state.withoutLock(kind, name, existing.tenant());
        announce();
        audit.append(audit.event(EventType.LOCK_LIFTED, "success").withUser(by).with("kind", kindName)
                .with("name", name).with("tenant", existing.tenant()).with("reason", reason));
    }

    /**
     * Judges every live request and session again under the current policy (R28), after a policy
     * reload and once a second: a request or grant the policy no longer allows is withdrawn (REVOKED
     * by the gateway, signed and audited, its sessions cut), and a session whose user, key, role,
     * node or login was removed, or whose user was disabled, ends with the reason on the user's
     * terminal and an {@code access.removed} event, exactly like a lock.
     *
     * @return how many sessions it ended
     */
    public synchronized int enforce() {
        Instant now = now();
        PolicyHolder.Snapshot snapshot = policy.current();
        // sessions first: ending them needs no write, so a store that cannot take the withdrawals
        // below must not keep a removed user's sessions running
        int ended = 0;
        for (LiveSession s : sessions.all()) {
            String why = sessionProblem(snapshot, s, now);
            if (why == null) {
                continue;
            }
            audit.append(audit.event(EventType.ACCESS_REMOVED, "success").withUser(s.user()).withSessionId(s.id())
                    .withTarget(s.node(), s.login()).withGrantId(s.grantId()).with("kind", s.kindName()).with("reason", why));
            s.terminate("your access was removed: " + why);
            ended++;
        }
        if (!leader.lead()) {
            // the leader withdraws (one signed revoke per request); the sessions above end here anyway
            return ended;
        }
        for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
            try {
                catchUp();
            } catch (StoreUnavailableException e) {
                LOG.error("cannot read the access log before withdrawing requests ({}); retrying next second", e.getMessage());
                return ended;
            }
            try {
                withdrawAll(snapshot, now);
                break;
            } catch (StaleHeadException e) {
                // another instance wrote first: what it wrote may already withdraw, end or revoke these
                LOG.info("withdrawals: another write came first (head {} instead of {}); judging them again", e.actual(),
                        e.expected());
            }
        }
        return ended;
    }

    /** Withdraws what the policy no longer allows; stops at a StaleHeadException (judge everything again). */
    private void withdrawAll(PolicyHolder.Snapshot snapshot, Instant now) {
        Map<String, String> withdrawals = dev.gatehouse.policy.ElevationRules.withdrawals(snapshot.policy(), state.requests());
        for (Map.Entry<String, String> w : withdrawals.entrySet()) {
            AccessRequest r = state.request(w.getKey()).orElse(null);
            if (r == null) {
                continue;
            }
            try {
                withdraw(r, "the policy changed: " + w.getValue(), now);
            } catch (StaleHeadException e) {
                throw e;
            } catch (RuntimeException e) {
                // each withdrawal on its own: the next pass, a second later, tries again
                LOG.error("cannot withdraw request {} now ({}); retrying next second", r.id(), e.getMessage());
            }
        }
    }

    /** Why {@code s} may not go on under the current policy and state, or null. */
    private String sessionProblem(PolicyHolder.Snapshot snapshot, LiveSession s, Instant now) {
        java.util.Optional<String> identity = IdentityCheck.problem(snapshot, state,
                new dev.gatehouse.gateway.session.Identity(s.user(), s.keyFingerprint(), null));
        if (identity.isPresent()) {
            return identity.get();
        }
        if (s.node() == null) {
            return null;
        }
        dev.gatehouse.policy.Decision d = s.judge(snapshot.evaluator(), state, now);
        return d.allowed() ? null : d.reason();
    }

    private void withdraw(AccessRequest before, String why, Instant at) {
        Result<AccessRequest> result = dev.gatehouse.policy.ElevationRules.apply(policy.current().policy(), before,
                new RequestEvent.Withdraw(GATEWAY, why, at), state);
        AccessRequest after = result.value();
        if (!result.isOk()) {
            if (after != null && after.state() != before.state()) {
                record(before, after, at);
            }
            return;
        }
        String jws = sign("revoke", GATEWAY, after, why, at);
        log.appendDecision(new AccessLog.DecisionRow(before.id(), 0, "revoke", GATEWAY, why, at, null, jws), folded);
        wrote();
        state = state.withRequest(after);
        announce();
        int ended = sessions.terminate(s -> before.id().equals(s.grantId()), "grant " + before.id() + " was withdrawn: " + why);
        audit.append(requestEvent(EventType.GRANT_REVOKED, "success", after, GATEWAY).with("comment", why).with("reason", why)
                .with("sessions_ended", ended).with("signature", jws));
        notify(EventType.GRANT_REVOKED, after, GATEWAY, why);
        LOG.info("request {} withdrawn: {}; {} live session(s) ended", before.id(), why, ended);
    }

    /**
     * Time-driven work, once a second: pending requests expire, grants end (their sessions are cut),
     * and sessions under a grant are warned 5 minutes and 1 minute before it ends. Catches up with
     * the log first; only the leader ({@link LeaderLock}) writes the expiries and ends, every
     * instance cuts its own sessions whose grant has ended.
     */
    public synchronized void tick() {
        Instant now = now();
        Policy p = policy.current().policy();
        for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
            try {
                catchUp();
            } catch (StoreUnavailableException e) {
                LOG.debug("cannot read the access log's changes now ({}); judging the state as it is", e.getMessage());
            }
            try {
                timePassed(p, now);
                break;
            } catch (StaleHeadException e) {
                // another instance (a new leader) wrote first: an expiry it wrote is a no-op here once read
                LOG.info("expiries: another write came first (head {} instead of {}); judging them again", e.actual(),
                        e.expected());
            }
        }
        for (LiveSession s : sessions.all()) {
            Instant end = s.grantEnd();
            if (end == null) {
                continue;
            }
            Duration left = Duration.between(now, end);
            AccessRequest grant = state.request(s.grantId()).orElse(null);
            if (left.isNegative() || left.isZero() || grant == null || !grant.activeAt(now)) {
                s.terminate("your elevated access (grant " + s.grantId() + ") has ended");
            } else if (left.compareTo(Duration.ofMinutes(1)) <= 0 && s.warningsSent() < 2) {
                s.warn(2, "gatehouse: your elevated access (grant " + s.grantId() + ") ends in " + seconds(left) + "; save your work");
            } else if (left.compareTo(Duration.ofMinutes(5)) <= 0 && s.warningsSent() < 1) {
                s.warn(1, "gatehouse: your elevated access (grant " + s.grantId() + ") ends in " + seconds(left));
            }
        }
    }

    /** Expires pending requests and ends grants whose time passed; stops at a StaleHeadException (judge them again). */
    private void timePassed(Policy p, Instant now) {
        for (AccessRequest r : state.requests()) {
            if (!r.state().live()) {
                continue;
            }
            Result<AccessRequest> result = dev.gatehouse.policy.ElevationRules.apply(p, r, new RequestEvent.Tick(now), state);
            AccessRequest next = result.value();
            if (next != null && next.state() != r.state()) {
                record(r, next, now);
            }
        }
    }

    /** Persists and audits a time-driven transition (expiry, end) found while handling something else. */
    private void record(AccessRequest before, AccessRequest after, Instant at) {
        if (after.state() == before.state() || after.state() == RequestState.ACTIVE) {
            return;
        }
        String action;
        EventType type;
        if (after.state() == RequestState.EXPIRED) {
            action = "expire";
            type = EventType.REQUEST_EXPIRED;
        } else if (after.state() == RequestState.ENDED) {
            action = "end";
            type = EventType.GRANT_ENDED;
        } else {
            return;
        }
        if (!leader.lead()) {
            // a singleton job: the leader writes it; here it holds in memory until its row arrives
            state = state.withRequest(after);
            if (after.state() == RequestState.ENDED) {
                sessions.terminate(s -> after.id().equals(s.grantId()), "your elevated access (grant " + after.id() + ") has ended");
            }
            return;
        }
        log.appendDecision(new AccessLog.DecisionRow(after.id(), 0, action, GATEWAY, null, at, null, null), folded);
        wrote();
        state = state.withRequest(after);
        announce();
        audit.append(requestEvent(type, "info", after, GATEWAY));
        if (after.state() == RequestState.ENDED) {
            sessions.terminate(s -> after.id().equals(s.grantId()), "your elevated access (grant " + after.id() + ") has ended");
        }
        notify(type, after, GATEWAY, null);
    }

    private String sign(String action, String actor, AccessRequest r, String comment, Instant at) {
        Map<String, Object> claims = new java.util.TreeMap<>();
        claims.put("request", r.id());
        claims.put("action", action);
        claims.put("actor", actor);
        claims.put("time", at.toString());
        claims.put("requester", r.requester());
        claims.put("login", r.login());
        claims.put("target", r.target().toString());
        claims.put("state", r.state().name().toLowerCase(Locale.ROOT));
        if (r.windowEnd() != null) {
            claims.put("window_start", r.windowStart().toString());
            claims.put("window_end", r.windowEnd().toString());
        }
        if (comment != null) {
            claims.put("comment", comment);
        }
        try {
            return signer.sign(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(claims));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a decision", e);
        }
    }

    /** The audit type of a refused decision, {@code <action>.refused}, for each action {@link #decide} takes. */
    private static EventType refusedType(String action) {
        return switch (action) {
            case "approve" -> EventType.APPROVE_REFUSED;
            case "deny" -> EventType.DENY_REFUSED;
            case "cancel" -> EventType.CANCEL_REFUSED;
            case "revoke" -> EventType.REVOKE_REFUSED;
            default -> throw new IllegalArgumentException("unknown decision action: " + action);
        };
    }

    private AuditEvent requestEvent(EventType type, String outcome, AccessRequest r, String actor) {
        return audit.event(type, outcome).withUser(actor).withGrantId(r.id())
                .withTarget(r.target().isSelector() ? null : r.target().node(), r.login())
                .with("requester", r.requester()).with("target", r.target().toString()).with("state", r.state().name().toLowerCase(Locale.ROOT))
                .with("tenant", r.tenant());
    }

    private void refusedEvent(EventType type, String actor, AccessRequest r, String reason, Map<String, String> details) {
        AuditEvent e = audit.event(type, "denied").withUser(actor).with("reason", reason);
        if (r != null) {
            e = e.withGrantId(r.id()).withTarget(r.target().isSelector() ? null : r.target().node(), r.login());
        }
        for (Map.Entry<String, String> d : details.entrySet()) {
            e = e.with(d.getKey(), d.getValue());
        }
        audit.append(e);
    }

    private void notify(EventType type, AccessRequest r, String actor, String comment) {
        Map<String, Object> payload = new java.util.LinkedHashMap<>();
        payload.put("event", type.wire());
        payload.put("request", r.id());
        payload.put("requester", r.requester());
        payload.put("login", r.login());
        payload.put("target", r.target().toString());
        payload.put("state", r.state().name().toLowerCase(Locale.ROOT));
        payload.put("actor", actor);
        payload.put("time", now().toString());
        if (r.reason() != null) {
            payload.put("reason", r.reason());
        }
        if (comment != null) {
            payload.put("comment", comment);
        }
        if (r.windowEnd() != null) {
            payload.put("window_end", r.windowEnd().toString());
        }
        notifier.accept(payload);
    }

    private static String seconds(Duration d) {
        long s = Math.max(1, d.toSeconds());
        return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }

    /** A refused change: the message is the one line the user sees. */
    public static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message);
        }
    }
}
