package dev.gatehouse.gateway.access;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.gateway.session.TerminalObserver;
import dev.gatehouse.policy.ElevationRules;
import dev.gatehouse.policy.Permission;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.policy.Printable;
import dev.gatehouse.policy.User;
import dev.gatehouse.recorder.AuditEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The live sessions of this instance, and of the other instances sharing its database (issue
 * 13, through {@link LiveDirectory}), as admins and auditors act on them: list, terminate,
 * observe. The one implementation behind the gateway shell ({@code live}, {@code terminate}, {@code observe}) and
 * the console API ({@code /api/v1/live}). Permissions come from the current policy on every call:
 * listing and observing need AUDIT or ADMIN, terminating needs ADMIN. Tenants isolate: a session
 * belongs to its node's tenant (a gateway shell to its user's), and in a multi-tenant policy a
 * session of another tenant is "no live session", exactly like a missing id. A session on another
 * instance is terminated through that instance (it confirms within 5 s); it is observed only there.
 */
public final class LiveSessions {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LiveSessions.class);
    /** Longest termination reason kept: it is shown on the user's terminal and stored in the audit log. */
    static final int MAX_REASON = 500;
    /**
     * Most observers one session takes at once: each may hold up to 1 MiB of queued output and
     * prints a notice on the user's terminal, so observers are bounded like every other buffer.
     */
    public static final int MAX_OBSERVERS = 8;

    private final PolicyHolder policy;
    private final AuditTrail audit;
    private final SessionRegistry registry;
    /** The other instances' sessions, or null on a single instance. */
    private final LiveDirectory directory;
    private final String instance;

    /**
     * Bytes of output an observer (the console's stream or the gateway shell's {@code observe}) may
     * fall behind the session before it is dropped: the relay never waits for an observer.
     */
    public static final int OBSERVER_MAX_BEHIND = 1 << 20;
    /** Why an observer that fell further behind than {@link #OBSERVER_MAX_BEHIND} was dropped. */
    public static final String OBSERVER_TOO_SLOW = "the observer fell more than " + (OBSERVER_MAX_BEHIND >> 10)
            + " KiB behind the session and was dropped; observe again to resume";

    /** The {@link LiveSession#kindName()} of an observation in the registry. */
    public static final String OBSERVE_KIND = "observe";

    /** This instance's sessions only, listed under the audit chain id as the instance name. */
    public LiveSessions(PolicyHolder policy, AuditTrail audit, SessionRegistry registry) {
        this(policy, audit, registry, null);
    }

    /** @param directory the sessions of the other instances on the same database, or null for none */
    public LiveSessions(PolicyHolder policy, AuditTrail audit, SessionRegistry registry, LiveDirectory directory) {
        this.policy = policy;
        this.audit = audit;
        this.registry = registry;
        this.directory = directory;
        this.instance = directory != null ? directory.name() : audit.store().chainId();
    }

    /** The service over the gateway's own sessions and (through its directory) every other instance's. */
    public static LiveSessions of(dev.gatehouse.gateway.GatewayServices services) {
        return new LiveSessions(services.policy(), services.audit(), services.sessions(), services.directory());
    }

    /**
     * Who acts, for the audit trail.
     *
     * @param user the Gatehouse user name
     * @param source their address ({@code ip:port}), or null
     * @param via how they reached the gateway: {@code shell}, {@code cookie} or {@code token}
     * @param keyFingerprint the {@code SHA256:} fingerprint of the key behind their login, or null (OIDC)
     */
    public record Actor(String user, String source, String via, String keyFingerprint) {
        public Actor {
            keyFingerprint = keyFingerprint == null || keyFingerprint.isEmpty() ? null : keyFingerprint;
        }
    }

    /**
     * Live sessions {@code viewer} may see (AUDIT or ADMIN, own tenant), oldest first: this
     * instance's, then (merged by start) the other instances' as {@link RemoteSession}s. When the
     * store cannot be read, only this instance's (logged).
     */
    public List<LiveSession> list(Actor viewer) {
        Policy p = policy.current().policy();
        requireWatcher(viewer, "list live sessions", null, EventType.OBSERVE_REFUSED, false);
        java.util.stream.Stream<LiveSession> all = registry.all().stream();
        all = java.util.stream.Stream.concat(all, others().stream());
        return all.filter(s -> visible(p, viewer.user(), s))
                .sorted(Comparator.comparing(LiveSession::start).thenComparing(LiveSession::id)).toList();
    }

    private List<RemoteSession> others() {
        if (directory == null) {
            return List.of();
        }
        try {
            return directory.others();
        } catch (dev.gatehouse.recorder.StoreUnavailableException e) {
            LOG.warn("listing live sessions: the other instances' sessions cannot be read: {}", e.getMessage());
            return List.of();
        }
    }

    /**
     * The live session {@code id} if {@code viewer} may observe it (AUDIT or ADMIN); else
     * FORBIDDEN, or NOT_FOUND for an unknown id or another tenant's session (audited as {@code observe.refused}).
     */
    public LiveSession find(Actor viewer, String id) {
        requireWatcher(viewer, "observe sessions", id, EventType.OBSERVE_REFUSED, true);
        LiveSession s = visibleOrRefused(viewer, id, EventType.OBSERVE_REFUSED);
        if (s instanceof RemoteSession remote) {
            throw refused(EventType.OBSERVE_REFUSED, viewer, id, Refused.Kind.CONFLICT, "session " + id + " is on instance "
                    + remote.instance() + "; observe it from " + remote.instance());
        }
        return s;
    }

    /**
     * The live session {@code id} {@code viewer} may observe, on this instance or, alive, on another
     * (a {@link RemoteSession}, observed through its instance: {@link #observedThrough}). Refused
     * (audited as {@code observe.refused}) as {@link #find}, and CONFLICT, naming the instance and
     * when it was last seen, when the session's instance is dead.
     */
    public LiveSession locate(Actor viewer, String id) {
        requireWatcher(viewer, "observe sessions", id, EventType.OBSERVE_REFUSED, true);
        LiveSession s = visibleOrRefused(viewer, id, EventType.OBSERVE_REFUSED);
        if (s instanceof RemoteSession remote && remote.dead()) {
            throw refused(EventType.OBSERVE_REFUSED, viewer, id, Refused.Kind.CONFLICT, "session " + id + " is on instance "
                    + remote.instance() + ", which was last seen " + remote.lastSeen() + " (dead): it cannot be observed");
        }
        return s;
    }

    /**
     * Records in this instance's chain that {@code viewer} observes {@code s} through its instance
     * ({@code session.observe} step {@code start} with {@code instance}); the returned action,
     * called once with why, records step {@code end} with the duration.
     *
     * @throws Refused UNAVAILABLE when the audit store cannot record the start
     */
    public java.util.function.Consumer<String> observedThrough(Actor viewer, RemoteSession s) {
        Instant start = audit.clock().instant();
        if (!audit.append(about(EventType.SESSION_OBSERVE, "success", viewer, s).with("step", "start")
                .with("instance", s.instance()))) {
            throw new Refused(Refused.Kind.UNAVAILABLE, "the audit store is unavailable; observing is refused until it recovers");
        }
        AtomicBoolean open = new AtomicBoolean(true);
        return why -> {
            if (open.compareAndSet(true, false)) {
                audit.append(about(EventType.SESSION_OBSERVE, "success", viewer, s).with("step", "end").with("reason", why)
                        .with("instance", s.instance())
                        .with("duration_ms", Duration.between(start, audit.clock().instant()).toMillis()));
            }
        };
    }

    /**
     * Ends live session {@code id} now: the user sees {@code gatehouse: session terminated by BY:
     * REASON} (escaped) before the channel closes; an app session or forward closes its
     * connections. Audited as {@code session.terminated} (actor, session, its user, reason, via)
     * before the session's own end event.
     *
     * @throws Refused FORBIDDEN without ADMIN, BAD_REQUEST for a missing or unprintable reason,
     *     NOT_FOUND for an unknown id or another tenant's session
     */
    public LiveSession terminate(Actor by, String id, String reason) {
        Policy p = policy.current().policy();
        String notAdmin = ElevationRules.adminProblem(p, by.user(), "terminate sessions").orElse(null);
        if (notAdmin != null) {
            throw refused(EventType.TERMINATE_REFUSED, by, id, Refused.Kind.FORBIDDEN, notAdmin);
        }
        String bad = reasonProblem(reason);
        if (bad != null) {
            throw refused(EventType.TERMINATE_REFUSED, by, id, Refused.Kind.BAD_REQUEST, bad);
        }
        LiveSession s = visibleOrRefused(by, id, EventType.TERMINATE_REFUSED);
        String why = reason.strip();
        if (s instanceof RemoteSession remote) {
            return terminateRemote(by, remote, why);
        }
        audit.append(about(EventType.SESSION_TERMINATED, "success", by, s).with("reason", why));
        s.terminate("session terminated by " + by.user() + ": " + why);
        return s;
    }

    /** Hands the termination to the instance running the session and waits for it (at most 5 s). */
    private LiveSession terminateRemote(Actor by, RemoteSession s, String why) {
        if (s.dead()) {
            throw refused(EventType.TERMINATE_REFUSED, by, s.id(), Refused.Kind.CONFLICT, "session " + s.id()
                    + " is on instance " + s.instance() + ", which was last seen " + s.lastSeen()
                    + " (dead): it cannot take the termination; it is ended when that instance starts again");
        }
        audit.append(about(EventType.SESSION_TERMINATE_FORWARDED, "success", by, s).with("reason", why)
                .with("instance", s.instance()));
        java.util.Optional<String> result;
        try {
            result = directory.forwardTerminate(by.user(), s, why);
        } catch (dev.gatehouse.recorder.StoreUnavailableException e) {
            throw new Refused(Refused.Kind.UNAVAILABLE, "the audit store is unavailable; session " + s.id() + " on instance "
                    + s.instance() + " cannot be terminated from here until it recovers");
        }
        if (result.isEmpty()) {
            throw new Refused(Refused.Kind.UNAVAILABLE, "instance " + s.instance() + " did not confirm within "
                    + LiveDirectory.CONFIRM_WAIT.toSeconds() + " s; the termination stays queued for it");
        }
        if (!LiveDirectory.TERMINATED.equals(result.get())) {
            throw new Refused(Refused.Kind.NOT_FOUND, "no live session '" + s.id() + "' (it ended on instance "
                    + s.instance() + ")");
        }
        return s;
    }

    /**
     * Starts watching live session {@code id} read-only: {@code observer} is told the terminal's
     * size, then its output, and the user is told on their terminal who is watching. Audited as
     * {@code session.observe} with {@code step: start}, and {@code step: end} (with why) when the
     * returned watch is closed.
     *
     * @throws Refused FORBIDDEN without AUDIT or ADMIN, NOT_FOUND for an unknown id or another
     *     tenant's session, CONFLICT when it has no terminal to observe, UNAVAILABLE when the audit
     *     store cannot record the start
     */
    public Watch observe(Actor by, String id, TerminalObserver observer) {
        return observe(by, id, observer, null);
    }

    /**
     * {@link #observe(Actor, String, TerminalObserver)} for a viewer of another instance (issue 13):
     * the same rules under this instance's policy, locks, tenants and observer cap; the audit
     * events also name {@code viaInstance}, the instance the viewer came through.
     *
     * @param viaInstance the calling instance's name, or null for a viewer of this instance
     */
    public Watch observe(Actor by, String id, TerminalObserver observer, String viaInstance) {
        requireWatcher(by, "observe sessions", id, EventType.OBSERVE_REFUSED, true);
        LiveSession s = visibleOrRefused(by, id, EventType.OBSERVE_REFUSED);
        if (s instanceof RemoteSession remote) {
            throw refused(EventType.OBSERVE_REFUSED, by, id, Refused.Kind.CONFLICT, "session " + id + " is on instance "
                    + remote.instance() + "; observe it from " + remote.instance());
        }
        if (!s.observable()) {
            throw refused(EventType.OBSERVE_REFUSED, by, id, Refused.Kind.CONFLICT,
                    "session " + id + " (" + s.kindName() + ") has no terminal to observe; only live shells can be observed");
        }
        // the slot is taken before anything else, atomically: a burst of observers cannot pass a count all at once
        if (!registry.claimObserverSlot(s.id(), MAX_OBSERVERS)) {
            throw refused(EventType.OBSERVE_REFUSED, by, id, Refused.Kind.CONFLICT,
                    "session " + id + " already has " + MAX_OBSERVERS + " observers; try again when one stops");
        }
        Instant start = audit.clock().instant();
        if (!audit.append(via(about(EventType.SESSION_OBSERVE, "success", by, s).with("step", "start"), viaInstance))) {
            registry.releaseObserverSlot(s.id());
            throw new Refused(Refused.Kind.UNAVAILABLE, "the audit store is unavailable; observing is refused until it recovers");
        }
        TerminalObserver.Observation observation;
        try {
            observation = s.observe(by.user(), observer);
        } catch (IllegalStateException e) {
            registry.releaseObserverSlot(s.id());
            audit.append(about(EventType.SESSION_OBSERVE, "failure", by, s).with("step", "end").with("reason", e.getMessage()));
            throw new Refused(Refused.Kind.CONFLICT, e.getMessage());
        }
        String tenant = policy.current().user(by.user()).flatMap(User::tenant).orElse(null);
        Watch watch = new Watch(s, observation, observer, by, start, tenant, viaInstance);
        // a live session of the observer's own: a lock on them, or their removal from the policy, ends it like a shell
        registry.add(watch);
        return watch;
    }

    /**
     * One observer's watch of a session; {@link #close(String)} ends it once, audited. It is itself
     * in the session registry (kind {@value #OBSERVE_KIND}, on the gateway like a gateway shell), so
     * a user lock, shutdown, or removing the observer or their key from the policy ends it, and an
     * admin can {@code terminate} it.
     */
    public final class Watch implements AutoCloseable, dev.gatehouse.gateway.session.StreamSession {
        private final String id = dev.gatehouse.gateway.session.SessionIds.next(audit.clock());
        private final LiveSession session;
        private final TerminalObserver.Observation observation;
        private final TerminalObserver observer;
        private final Actor by;
        private final Instant start;
        private final String tenant;
        private final String viaInstance;
        private final AtomicBoolean open = new AtomicBoolean(true);

        private Watch(LiveSession session, TerminalObserver.Observation observation, TerminalObserver observer, Actor by,
                Instant start, String tenant, String viaInstance) {
            this.viaInstance = viaInstance;
            this.session = session;
            this.observation = observation;
            this.observer = observer;
            this.by = by;
            this.start = start;
            this.tenant = tenant;
        }

        /** The observed session. */
        public LiveSession session() {
            return session;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String user() {
            return by.user();
        }

        @Override
        public String keyFingerprint() {
            return by.keyFingerprint();
        }

        @Override
        public String source() {
            return by.source();
        }

        /** Null: an observation runs on the gateway, like its shell. */
        @Override
        public String login() {
            return null;
        }

        @Override
        public String node() {
            return null;
        }

        @Override
        public String kindName() {
            return OBSERVE_KIND;
        }

        @Override
        public Instant start() {
            return start;
        }

        @Override
        public String userTenant() {
            return tenant;
        }

        @Override
        public String nodeTenant() {
            return null;
        }

        @Override
        public String grantId() {
            return null;
        }

        @Override
        public Instant grantEnd() {
            return null;
        }

        /** The gateway ends the observation: the observer's stream ends with {@code reason}. */
        @Override
        public void terminate(String reason) {
            if (open.get()) {
                observer.stopped(reason);
            }
            close(reason);
        }

        /** Stops watching (the user is told, unless the session already ended) and records {@code session.observe} step end. */
        public void close(String why) {
            if (!open.compareAndSet(true, false)) {
                return;
            }
            registry.remove(id);
            registry.releaseObserverSlot(session.id());
            observation.close();
            audit.append(via(about(EventType.SESSION_OBSERVE, "success", by, session).with("step", "end").with("reason", why)
                    .with("duration_ms", Duration.between(start, audit.clock().instant()).toMillis()), viaInstance));
        }

        @Override
        public void close() {
            close("the observer stopped");
        }
    }

    /**
     * One live session as the shell's {@code live --json} and the API's {@code GET /api/v1/live}
     * show it: {@code id, user, login, node, kind, source, started} (RFC 3339 UTC),
     * {@code bytes_in, bytes_out} (so far; another instance's as of its last heartbeat),
     * {@code observable}, {@code grant}, {@code instance} (the name of the instance running it) and
     * {@code state} ({@code live}, or {@code dead} when that instance stopped heartbeating longer
     * than its {@code instance.dead_after} ago).
     */
    public java.util.Map<String, Object> describe(LiveSession s) {
        java.util.Map<String, Object> o = new java.util.LinkedHashMap<>();
        o.put("id", s.id());
        o.put("user", s.user());
        o.put("login", s.login());
        o.put("node", s.node());
        o.put("kind", s.kindName());
        o.put("source", s.source());
        o.put("started", s.start().toString());
        o.put("bytes_in", s.bytesIn());
        o.put("bytes_out", s.bytesOut());
        o.put("observable", s.observable());
        o.put("grant", s.grantId());
        o.put("instance", s instanceof RemoteSession r ? r.instance() : instance);
        o.put("state", s instanceof RemoteSession r ? r.state() : RemoteSession.LIVE);
        return o;
    }

    /** Why {@code reason} cannot be a termination reason, or null: required, at most 500 characters, printable. */
    static String reasonProblem(String reason) {
        if (reason == null || reason.isBlank()) {
            return "a reason is required: the user sees it on their terminal";
        }
        if (reason.length() > MAX_REASON) {
            return "reason is longer than " + MAX_REASON + " characters";
        }
        int cp = Printable.firstUnsafe(reason);
        if (cp >= 0) {
            return "reason contains " + (Character.getType(cp) == Character.CONTROL ? "a control character"
                    : "an invisible or formatting character") + " (" + Printable.name(cp) + ")";
        }
        return null;
    }

    private void requireWatcher(Actor who, String what, String id, EventType refusal, boolean audited) {
        Set<Permission> held = policy.current().evaluator().permissions(who.user());
        boolean enabled = policy.current().policy().user(who.user()).map(u -> !u.disabled()).orElse(false);
        if (!enabled || !(held.contains(Permission.AUDIT) || held.contains(Permission.ADMIN))) {
            String why = "you need the audit or admin permission to " + what;
            if (audited) {
                throw refused(refusal, who, id, Refused.Kind.FORBIDDEN, why);
            }
            throw new Refused(Refused.Kind.FORBIDDEN, why);
        }
    }

    private LiveSession visibleOrRefused(Actor who, String id, EventType refusal) {
        try {
            return visible(who.user(), id);
        } catch (Refused e) {
            throw refused(refusal, who, id, e.kind(), e.getMessage());
        }
    }

    private LiveSession visible(String viewer, String id) {
        Policy p = policy.current().policy();
        java.util.Optional<LiveSession> mine = registry.all().stream().filter(s -> s.id().equals(id) && visible(p, viewer, s))
                .findFirst();
        if (mine.isEmpty()) {
            mine = others().stream().filter(s -> s.id().equals(id) && visible(p, viewer, s)).map(LiveSession.class::cast)
                    .findFirst();
        }
        return mine.orElseThrow(() -> new Refused(Refused.Kind.NOT_FOUND, "no live session '" + Printable.escape(id) + "'"));
    }

    /** A session belongs to its node's tenant (a gateway shell to its user's); tenants never see each other's. */
    private static boolean visible(Policy p, String viewer, LiveSession s) {
        if (!p.multiTenant()) {
            return true;
        }
        String mine = p.user(viewer).flatMap(User::tenant).orElse(null);
        String theirs = s.node() != null ? s.nodeTenant() : s.userTenant();
        return Objects.equals(mine, theirs);
    }

    private AuditEvent about(EventType type, String outcome, Actor by, LiveSession s) {
        return audit.event(type, outcome).withUser(by.user()).withSource(by.source()).withSessionId(s.id())
                .withTarget(s.node(), s.login()).withGrantId(s.grantId())
                .with("session_user", s.user()).with("kind", s.kindName()).with("via", by.via());
    }

    private static AuditEvent via(AuditEvent e, String viaInstance) {
        return viaInstance == null ? e : e.with("via_instance", viaInstance);
    }

    private Refused refused(EventType type, Actor by, String id, Refused.Kind kind, String why) {
        audit.append(audit.event(type, "denied").withUser(by.user()).withSource(by.source()).with("session", id)
                .with("via", by.via()).with("reason", why));
        return new Refused(kind, why);
    }

    /** A refused list, observe or terminate: the message is the one line the caller sees; the kind picks the API status. */
    public static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** 403, 404, 400, 409, 503 in the API. */
        public enum Kind { FORBIDDEN, NOT_FOUND, BAD_REQUEST, CONFLICT, UNAVAILABLE }

        private final Kind kind;

        public Refused(Kind kind, String message) {
            super(message);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }
}
