package dev.gatehouse.policy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A just-in-time elevation rule: a named non-root login on matching nodes, for a limited time,
 * after approval by other people.
 *
 * @param login the elevated login (never root or a forbidden login)
 * @param nodes label selector of nodes
 * @param maxDuration longest grant
 * @param approvals distinct approvers needed (never the requester)
 * @param requesters roles that may ask
 * @param approvers roles that may approve
 * @param requireReason whether a request must carry a reason
 * @param secondFactor e.g. {@code totp}
 */
public record Elevation(
        String login,
        Map<String, String> nodes,
        Duration maxDuration,
        int approvals,
        List<String> requesters,
        List<String> approvers,
        boolean requireReason,
        Optional<String> secondFactor) {
    public Elevation {
        nodes = Map.copyOf(nodes);
        requesters = List.copyOf(requesters);
        approvers = List.copyOf(approvers);
    }
}
