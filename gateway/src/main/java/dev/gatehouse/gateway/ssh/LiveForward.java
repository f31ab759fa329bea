package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.PolicyEvaluator;
import dev.gatehouse.recorder.AuditEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One allowed forward as the session registry sees it (kind {@code forward}), so a lock, a
 * revoke, a grant's end, a policy change or shutdown ends it like any session; and its audit
 * trail: {@code forward.open} (destination, certificate serial) and exactly one
 * {@code forward.close} (bytes each way, duration, why it ended).
 */
final class LiveForward implements LiveSession {
    /** The {@link #kindName()} of forwards in the registry and in audit events. */
    static final String KIND = "forward";

    private final ForwardGate.Allowed facts;
    private final AuditTrail audit;
    private final SessionRegistry registry;
    private final Clock clock;
    private final Consumer<String> closer;
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Bytes the client sent towards the node's port. */
    final AtomicLong input = new AtomicLong();
    /** Bytes the node's port sent back to the client. */
    final AtomicLong output = new AtomicLong();
    private volatile Long certSerial;
    private volatile String endReason;

    /**
     * @param closer closes the client's channel (and with it the upstream one); given the reason
     */
    LiveForward(ForwardGate.Allowed facts, AuditTrail audit, SessionRegistry registry, Clock clock, Consumer<String> closer) {
        this.facts = facts;
        this.audit = audit;
        this.registry = registry;
        this.clock = clock;
        this.closer = closer;
    }

    /** Registers the forward, before the node is contacted, so a lock during set-up finds it. */
    void register() {
        registry.add(this);
    }

    /** The channel to the node's port is open: records {@code forward.open}. */
    void opened(long serial) {
        certSerial = serial;
        audit.append(event("forward.open", "success").with("rule", facts.decision().reason()));
    }

    /** Whether the forward has ended (then {@link #endReason()} says why). */
    boolean ended() {
        return ended.get();
    }

    String endReason() {
        return endReason;
    }

    /**
     * Ends the forward once: leaves the registry and records {@code forward.close}.
     *
     * @param outcome {@code success} (a side closed), {@code terminated} (the gateway ended it) or
     *     {@code failure} (it never opened, or broke)
     */
    void end(String outcome, String reason) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        endReason = reason;
        registry.remove(facts.id());
        audit.append(event("forward.close", outcome)
                .with("reason", reason)
                .with("input_bytes", input.get())
                .with("output_bytes", output.get())
                .with("duration_ms", Duration.between(facts.start(), clock.instant()).toMillis()));
    }

    private AuditEvent event(String type, String outcome) {
        return audit.event(type, outcome)
                .withSource(facts.identity().source())
                .withUser(facts.identity().user())
                .withTarget(facts.node().name(), facts.login())
                .withSessionId(facts.id())
                .withGrantId(facts.decision().grantId())
                .withCertSerial(certSerial)
                .with("kind", KIND)
                .with("host", facts.host())
                .with("address", facts.address())
                .with("port", facts.port())
                .with("originator", facts.originator());
    }

    /** A forward goes on only while its port is still allowed, not just its login. */
    @Override
    public Decision judge(PolicyEvaluator evaluator, AccessState state, Instant now) {
        return evaluator.decideForward(user(), login(), node(), facts.host(), facts.port(), state, now);
    }

    @Override
    public String id() {
        return facts.id();
    }

    @Override
    public String user() {
        return facts.identity().user();
    }

    @Override
    public String keyFingerprint() {
        return facts.identity().keyFingerprint();
    }

    @Override
    public String login() {
        return facts.login();
    }

    @Override
    public String node() {
        return facts.node().name();
    }

    @Override
    public String kindName() {
        return KIND;
    }

    @Override
    public Instant start() {
        return facts.start();
    }

    @Override
    public String userTenant() {
        return facts.userTenant();
    }

    @Override
    public String nodeTenant() {
        return facts.node().tenant().orElse(null);
    }

    @Override
    public String grantId() {
        return facts.decision().grantId();
    }

    @Override
    public Instant grantEnd() {
        return facts.decision().grantEnd();
    }

    @Override
    public int warningsSent() {
        // a TCP stream has no terminal to warn on: the grant's end simply closes it
        return 2;
    }

    @Override
    public void warn(int level, String line) {
        // nothing to show it on
    }

    @Override
    public void flushRecording() {
        // forwards are not recorded byte for byte; their events carry the byte counts
    }

    @Override
    public void terminate(String reason) {
        end("terminated", reason);
        closer.accept(reason);
    }
}
