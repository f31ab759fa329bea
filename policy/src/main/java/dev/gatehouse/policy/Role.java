package dev.gatehouse.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Standing access: the logins a role may use on the nodes its selector matches, the ports on
 * those nodes' loopback it may forward to, and what it may do in the gateway's own command shell.
 *
 * @param name unique role name
 * @param logins node logins this role may use (never root)
 * @param nodes label selector: a node matches when it carries every label listed; empty matches none
 * @param permissions gateway permissions ({@link Permission})
 * @param forwardPorts ports on the loopback of the nodes the selector matches that a user holding
 *     this role may reach with local forwarding ({@code direct-tcpip}), from the policy's
 *     {@code forward: {ports: [...]}}; empty for none
 * @param apps names of the {@link App}s its holders may open on the nodes both this role's and the
 *     app's selectors match, from {@code apps: [...]}; empty for none
 */
public record Role(String name, List<String> logins, Map<String, String> nodes, Set<Permission> permissions,
        List<PortRange> forwardPorts, List<String> apps) {
    public Role {
        logins = List.copyOf(logins);
        nodes = Map.copyOf(nodes);
        permissions = Set.copyOf(permissions);
        forwardPorts = List.copyOf(forwardPorts);
        apps = List.copyOf(apps);
    }

    /** A role that opens no apps. */
    public Role(String name, List<String> logins, Map<String, String> nodes, Set<Permission> permissions,
            List<PortRange> forwardPorts) {
        this(name, logins, nodes, permissions, forwardPorts, List.of());
    }

    /** A role that allows no forwarding. */
    public Role(String name, List<String> logins, Map<String, String> nodes, Set<Permission> permissions) {
        this(name, logins, nodes, permissions, List.of(), List.of());
    }

    /** Whether this role lists {@code port} under {@code forward.ports}. */
    public boolean forwards(int port) {
        for (PortRange range : forwardPorts) {
            if (range.contains(port)) {
                return true;
            }
        }
        return false;
    }
}
