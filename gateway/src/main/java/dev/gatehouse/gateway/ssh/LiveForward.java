package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.gateway.session.StreamSession;
import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.PolicyEvaluator;
import dev.gatehouse.recorder.AuditEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One allowed forward as the session registry sees it (kind {@code forward}), so a lock, a
 * revoke, a grant's end, a policy change or shutdown ends it like any session; and its audit
 * trail, one of two shapes: {@code forward.open} (when the node opened the port; destination,
 * certificate serial) then exactly one {@code forward.close} (bytes each way, duration, why it
 * ended); or, when it never opened, exactly one {@code forward.failed} (why, and for a failure of
 * the node's the {@code stage} and the node's own words in {@code node_message}, as in
 * {@code upstream.failure}).
 */
final class LiveForward extends FactsSession implements StreamSession {
    /** The {@link #kindName()} of forwards in the registry and in audit events. */
    static final String KIND = "forward";

    private final ForwardGate.Allowed facts;
    private final AuditTrail audit;
    private final SessionRegistry registry;
    private final Clock clock;
    private final Consumer<String> closer;
    /** Guards {@link #opened} and {@link #ended}, so that open and end are recorded in that order, once each. */
    private final Object lock = new Object();
    private boolean opened;
    private boolean ended;
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

    @Override
    ForwardGate.Allowed facts() {
        return facts;
    }

    /** Registers the forward, before the node is contacted, so a lock during set-up finds it. */
    void register() {
        registry.add(this);
    }

    /**
     * The node opened the channel to its port: records {@code forward.open}.
     *
     * @return false when the forward had ended meanwhile (then nothing is recorded)
     */
    boolean opened(long serial) {
        synchronized (lock) {
            if (ended) {
                return false;
            }
            opened = true;
            certSerial = serial;
            audit.append(event(EventType.FORWARD_OPEN, "success").with("rule", facts.decision().reason()));
            return true;
        }
    }

    /** Whether the forward has ended (then {@link #endReason()} says why). */
    boolean ended() {
        synchronized (lock) {
            return ended;
        }
    }

    String endReason() {
        return endReason;
    }

    /**
     * Ends the forward once: leaves the registry and records {@code forward.close} when it had
     * opened, else {@code forward.failed}.
     *
     * @param outcome {@code success} (a side closed), {@code terminated} (the gateway ended it) or
     *     {@code failure} (it broke, or never opened)
     */
    void end(String outcome, String reason) {
        end(outcome, reason, null);
    }

    /** Ends a forward the node could not serve: {@code forward.failed} with the stage and the node's words. */
    void failed(UpstreamException failure) {
        end("failure", failure.getMessage(), failure);
    }

    private void end(String outcome, String reason, UpstreamException failure) {
        boolean wasOpen;
        synchronized (lock) {
            if (ended) {
                return;
            }
            ended = true;
            wasOpen = opened;
            endReason = reason;
        }
        registry.remove(facts.id());
        AuditEvent event = event(wasOpen ? EventType.FORWARD_CLOSE : EventType.FORWARD_FAILED, outcome)
                .with("reason", reason)
                .with("duration_ms", Duration.between(facts.start(), clock.instant()).toMillis());
        if (wasOpen) {
            event = event.with("input_bytes", input.get()).with("output_bytes", output.get());
        } else if (failure != null) {
            event = event.with("stage", failure.stage().wireName()).with("node_message", failure.nodeMessage());
        }
        audit.append(event);
    }

    private AuditEvent event(EventType type, String outcome) {
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

    /** The certificate of the connection the forward is on, once known (its {@code cert.issued} names it). */
    void connectedWith(long serial) {
        certSerial = serial;
    }

    @Override
    public long bytesIn() {
        return input.get();
    }

    @Override
    public long bytesOut() {
        return output.get();
    }

    /** A forward goes on only while its port is still allowed, not just its login. */
    @Override
    public Decision judge(PolicyEvaluator evaluator, AccessState state, Instant now) {
        return evaluator.decideForward(user(), login(), node(), facts.host(), facts.port(), state, now);
    }

    @Override
    public void terminate(String reason) {
        end("terminated", reason);
        closer.accept(reason);
    }
}
