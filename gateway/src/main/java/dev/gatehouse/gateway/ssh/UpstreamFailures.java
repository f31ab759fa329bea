package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.gateway.ssh.upstream.UpstreamStage;
import dev.gatehouse.policy.Node;
import dev.gatehouse.recorder.AuditEvent;
import java.util.concurrent.CompletionException;

/** How a failure to reach a node is told: the user's line and the audit event that says which stage failed. */
final class UpstreamFailures {
    private UpstreamFailures() {}

    /** The {@link UpstreamException} inside {@code failure}; anything else (a bug) is told as a failed TCP connection. */
    static UpstreamException of(Node node, Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof UpstreamException ue) {
            return ue;
        }
        return new UpstreamException(UpstreamStage.TCP_CONNECT, "cannot reach node '" + node.name() + "' ("
                + (cause == null ? "unknown failure" : cause.toString()) + ")", null, cause);
    }

    /** {@code failure} without the {@link CompletionException} a future's stage wraps it in. */
    static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /**
     * The audit event for {@code failure}: {@code upstream.host_key_mismatch} for a host key that is
     * not the pinned one, else {@code upstream.failure}; details {@code reason}, {@code stage} and,
     * when the node said something, {@code node_message}.
     */
    static AuditEvent event(SessionFacts facts, UpstreamException failure) {
        EventType type = failure.stage() == UpstreamStage.HOST_KEY ? EventType.UPSTREAM_HOST_KEY_MISMATCH : EventType.UPSTREAM_FAILURE;
        return facts.event(type, "failure")
                .with("reason", failure.getMessage())
                .with("stage", failure.stage().wireName())
                .with("node_message", failure.nodeMessage());
    }
}
