package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.RecordingSummary;
import java.time.Duration;
import java.time.Instant;

/**
 * How a bridged session ended, as its {@code session.end} audit event says it.
 *
 * @param outcome {@code success} (the node reported an exit), {@code failure} (it did not, or the
 *     node could not be reached), {@code closed} (the client left first) or {@code terminated} (the
 *     gateway ended it: lock, revoke, policy, shutdown, store failure)
 * @param exitStatus the node's exit status, or null
 * @param exitSignal the node's exit signal name (RFC 4254 section 6.10), or null
 * @param reason why, in words, or null
 * @param recording the recording's summary, or null when the channel never opened or it failed
 */
record SessionEnd(String outcome, Integer exitStatus, String exitSignal, String reason, RecordingSummary recording) {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SessionEnd.class);

    /**
     * Finishes the session's recording ({@code taps}, null when the channel never ran) and appends
     * its {@code session.end}; a recording that cannot be completed is said in the reason.
     */
    static void write(dev.gatehouse.gateway.session.AuditTrail audit, java.time.Clock clock, SessionFacts facts,
            RecordingTaps taps, String outcome, Integer exitStatus, String exitSignal, String reason) {
        RecordingSummary summary = null;
        if (taps != null) {
            try {
                summary = taps.finish();
            } catch (RuntimeException e) {
                LOG.error("session {}: recording could not be completed: {}", facts.id(), e.getMessage());
                reason = reason == null ? "recording incomplete: " + e.getMessage() : reason;
            }
        }
        audit.append(new SessionEnd(outcome, exitStatus, exitSignal, reason, summary).event(facts, clock.instant()));
    }

    /** The {@code session.end} event for {@code facts}, ended at {@code now}. */
    AuditEvent event(SessionFacts facts, Instant now) {
        AuditEvent event = facts.event(EventType.SESSION_END, outcome)
                .with("exit_status", exitStatus)
                .with("exit_signal", exitSignal)
                .with("reason", reason)
                .with("duration_ms", Duration.between(facts.start(), now).toMillis());
        if (recording == null) {
            return event;
        }
        return event.with("recording_hash", recording.finalHash())
                .with("output_bytes", recording.outputBytes())
                .with("output_sha256", recording.outputSha256())
                .with("error_bytes", recording.errorBytes())
                .with("error_sha256", recording.errorSha256())
                .with("input_bytes", recording.inputBytes())
                .with("truncated", recording.truncated());
    }
}
