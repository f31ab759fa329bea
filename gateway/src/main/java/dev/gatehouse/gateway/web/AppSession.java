package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.StreamSession;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.PolicyEvaluator;
import io.netty.channel.Channel;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * One person's use of one app host, from one browser session or one client certificate (kind
 * {@code app} in the session registry). A lock, revoke, grant end or policy change ends it through
 * the registry's per-second {@code enforce} ({@link #judge} asks the app decision again), which
 * closes every connection and stream attached to it. Audited as one {@code app.session.start} and
 * one {@code app.session.end} (reason, requests, bytes each way).
 */
final class AppSession implements AppSessionContext, StreamSession {
    /** The {@link #kindName()} of app sessions in the registry. */
    static final String KIND = "app";

    /** How the user proved who they are on the app host. */
    enum Via {
        COOKIE("cookie"),
        CLIENT_CERT("client_cert");

        final String wire;

        Via(String wire) {
            this.wire = wire;
        }
    }

    private final String id;
    private final String key;
    private final Identity identity;
    private final AppRoute route;
    private final String host;
    private final Via via;
    private final Instant start;
    private final Instant expires;
    private final String userTenant;
    private final WebPolicy policy;
    private final java.util.function.Supplier<AssertionSigner> assertions;
    private final AuditTrail audit;
    private final Clock clock;
    private final Runnable onEnd;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    /** Requests being answered and open WebSockets, with the channel each is on (dropped when it closes). */
    private final java.util.Map<Object, Channel> inFlight = new ConcurrentHashMap<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final LongAdder requests = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private volatile Instant lastActive;
    private volatile String endReason;

    /**
     * @param key what the session is keyed by in {@link AppSessions}
     * @param expires when the credential it rests on ends (cookie, certificate or grant), whichever is first
     * @param onEnd removes it from the registries
     */
    AppSession(String id, String key, Identity identity, AppRoute route, String host, Via via, Instant expires,
            String userTenant, WebPolicy policy, java.util.function.Supplier<AssertionSigner> assertions, AuditTrail audit, Clock clock, Runnable onEnd) {
        this.id = id;
        this.key = key;
        this.identity = identity;
        this.route = route;
        this.host = host;
        this.via = via;
        this.start = clock.instant();
        this.expires = expires;
        this.userTenant = userTenant;
        this.policy = policy;
        this.assertions = assertions;
        this.audit = audit;
        this.clock = clock;
        this.onEnd = onEnd;
        this.lastActive = start;
    }

    String key() {
        return key;
    }

    String host() {
        return host;
    }

    Instant expires() {
        return expires;
    }

    Instant lastActive() {
        return lastActive;
    }

    /** Requests being answered and WebSockets open now; the session is idle only at 0. */
    int inFlight() {
        return inFlight.size();
    }

    /** A request passed the gate: the session is active (the proxy counts it once it is done). */
    void admitted() {
        lastActive = clock.instant();
    }

    /** Records {@code app.session.start}. */
    void started() {
        audit.append(audit.event(EventType.APP_SESSION_START, "success")
                .withUser(identity.user()).withSource(identity.source())
                .withTarget(route.node().name(), route.login()).withSessionId(id).withGrantId(route.decision().grantId())
                .with("app", route.app()).with("host", host).with("via", via.wire));
    }

    /**
     * Ends the session once: leaves the registries, records {@code app.session.end} with the
     * counters, and closes every attached channel.
     */
    void end(String outcome, String reason) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        endReason = reason;
        onEnd.run();
        audit.append(audit.event(EventType.APP_SESSION_END, outcome)
                .withUser(identity.user()).withSource(identity.source())
                .withTarget(route.node().name(), route.login()).withSessionId(id).withGrantId(route.decision().grantId())
                .with("app", route.app()).with("reason", reason).with("requests", requests.sum())
                .with("bytes_in", bytesIn.sum()).with("bytes_out", bytesOut.sum())
                .with("duration_ms", java.time.Duration.between(start, clock.instant()).toMillis()));
        for (Channel c : channels) {
            c.close();
        }
        channels.clear();
    }

    // AppSessionContext

    @Override
    public String id() {
        return id;
    }

    @Override
    public Identity identity() {
        return identity;
    }

    @Override
    public AppRoute route() {
        return route;
    }

    @Override
    public String assertion() {
        return assertions.get().assertion(identity.user(), host);
    }

    @Override
    public void attach(Channel channel) {
        if (channels.add(channel)) {
            channel.closeFuture().addListener(f -> {
                channels.remove(channel);
                inFlight.values().removeIf(c -> c == channel);
                lastActive = clock.instant();
            });
        }
        if (ended.get()) {
            channel.close();
        }
    }

    @Override
    public void busy(Object work, Channel channel) {
        if (ended.get()) {
            return; // the proxy answers it 403 with the reason; attaching would close the channel first
        }
        lastActive = clock.instant();
        inFlight.put(work, channel);
        attach(channel); // once per channel: its close drops what was in flight on it
        if (!channel.isOpen()) {
            inFlight.remove(work);
        }
    }

    @Override
    public void done(Object work) {
        if (inFlight.remove(work) != null) {
            lastActive = clock.instant();
        }
    }

    @Override
    public boolean ended() {
        return ended.get();
    }

    @Override
    public String endReason() {
        return endReason;
    }

    @Override
    public void count(long requests, long in, long out) {
        this.requests.add(requests);
        bytesIn.add(in);
        bytesOut.add(out);
        lastActive = clock.instant();
    }

    // LiveSession (StreamSession: no terminal warnings, no recording)

    @Override
    public String user() {
        return identity.user();
    }

    /**
     * The key the user proved themselves with; null for an OIDC login or a client certificate, which
     * name none ({@link dev.gatehouse.gateway.session.IdentityCheck} then checks the user alone).
     */
    @Override
    public String keyFingerprint() {
        String own = identity.keyFingerprint();
        return own == null || own.isEmpty() ? null : own;
    }

    @Override
    public String source() {
        return identity.source();
    }

    @Override
    public String login() {
        return route.login();
    }

    @Override
    public String node() {
        return route.node().name();
    }

    @Override
    public String kindName() {
        return KIND;
    }

    @Override
    public Instant start() {
        return start;
    }

    @Override
    public String userTenant() {
        return userTenant;
    }

    @Override
    public String nodeTenant() {
        return route.node().tenant().orElse(null);
    }

    @Override
    public String grantId() {
        return route.decision().grantId();
    }

    @Override
    public Instant grantEnd() {
        return route.decision().grantEnd();
    }

    @Override
    public long bytesIn() {
        return bytesIn.sum();
    }

    @Override
    public long bytesOut() {
        return bytesOut.sum();
    }

    /** An app session goes on only while the app itself is still allowed, not just its login. */
    @Override
    public Decision judge(PolicyEvaluator evaluator, AccessState state, Instant now) {
        return evaluator.decideApp(identity.user(), route.app(), route.node().name(), state, now);
    }

    @Override
    public void terminate(String reason) {
        end("terminated", reason);
    }
}
