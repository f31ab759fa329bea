package dev.gatehouse.gateway.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.policy.AccessRequest;
import dev.gatehouse.policy.Approval;
import dev.gatehouse.policy.Lock;
import dev.gatehouse.policy.NodeTarget;
import dev.gatehouse.policy.RequestState;
import dev.gatehouse.recorder.AccessLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Rebuilds requests and locks from the access log exactly as they were recorded. Decisions are
 * replayed as facts, not re-judged under today's policy: an approval that was valid when given
 * stays given, and the grant window comes from the signed approval itself.
 */
final class RequestReplay {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RequestReplay() {}

    static AccessRequest pending(AccessLog.RequestRow row, Duration pendingTimeout) {
        NodeTarget target = row.targetNode() != null ? NodeTarget.node(row.targetNode()) : NodeTarget.selector(row.targetSelector());
        return new AccessRequest(row.id(), row.requester(), row.tenant(), row.login(), target, row.duration(), row.reason(),
                row.created(), row.created().plus(pendingTimeout), RequestState.PENDING, List.of(), null, null, null, null, null);
    }

    /** The request after one recorded decision. */
    static AccessRequest apply(AccessRequest r, AccessLog.DecisionRow d) {
        return switch (d.action()) {
            case "approve" -> {
                List<Approval> approvals = new ArrayList<>(r.approvals());
                approvals.add(new Approval(d.actor(), d.comment(), d.time()));
                JsonNode signed = payload(d.jws());
                boolean active = signed != null && "active".equals(signed.path("state").asText());
                if (active) {
                    Instant end = Instant.parse(signed.path("window_end").asText());
                    yield copy(r, RequestState.ACTIVE, approvals, null, null, null, d.time(), end);
                }
                yield copy(r, r.state(), approvals, null, null, null, null, null);
            }
            case "deny" -> copy(r, RequestState.DENIED, r.approvals(), d.actor(), d.time(), d.comment(), null, null);
            case "cancel" -> copy(r, RequestState.CANCELLED, r.approvals(), d.actor(), d.time(), d.comment(), null, null);
            case "revoke" -> copy(r, RequestState.REVOKED, r.approvals(), d.actor(), d.time(), d.comment(),
                    r.windowStart(), r.windowEnd());
            case "expire" -> copy(r, RequestState.EXPIRED, r.approvals(), null, d.time(), d.comment(), null, null);
            case "end" -> copy(r, RequestState.ENDED, r.approvals(), null, d.time(), d.comment(), r.windowStart(), r.windowEnd());
            default -> r;
        };
    }

    private static AccessRequest copy(AccessRequest r, RequestState state, List<Approval> approvals, String closedBy,
            Instant closedAt, String closeReason, Instant windowStart, Instant windowEnd) {
        return new AccessRequest(r.id(), r.requester(), r.tenant(), r.login(), r.target(), r.duration(), r.reason(),
                r.createdAt(), r.pendingUntil(), state, approvals, closedBy, closedAt, closeReason, windowStart, windowEnd);
    }

    /** The payload of a compact JWS, without checking the signature (replay trusts its own store; verify checks). */
    static JsonNode payload(String jws) {
        if (jws == null) {
            return null;
        }
        String[] parts = jws.split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            return JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        } catch (Exception e) {
            return null;
        }
    }

    static Lock lock(AccessLog.LockRow row) {
        return new Lock(Lock.Kind.valueOf(row.kind().toUpperCase(Locale.ROOT)), row.name(), row.tenant(), row.actor(),
                row.time(), row.reason());
    }
}
