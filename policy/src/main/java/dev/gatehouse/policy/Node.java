package dev.gatehouse.policy;

import java.util.Map;
import java.util.Optional;

/**
 * A compute node reachable through the gateway. Exactly one of {@code hostKey} and {@code hostCa}
 * is present: upstream host keys are never trusted on first use.
 *
 * @param name unique node name used in {@code LOGIN@NODE}
 * @param host host name or IP the gateway dials
 * @param port sshd port (default 22)
 * @param hostKey pinned host key {@code TYPE BASE64}
 * @param hostCa host CA key {@code TYPE BASE64} that signs the node's host certificate
 * @param labels labels matched by role selectors; {@code tenant} names the node's tenant
 */
public record Node(
        String name,
        String host,
        int port,
        Optional<String> hostKey,
        Optional<String> hostCa,
        Map<String, String> labels) {
    /** The label naming a node's tenant. */
    public static final String TENANT_LABEL = "tenant";

    public Node {
        labels = Map.copyOf(labels);
    }

    /** The node's tenant (its {@code tenant} label), empty for none. */
    public Optional<String> tenant() {
        return Optional.ofNullable(labels.get(TENANT_LABEL));
    }
}
