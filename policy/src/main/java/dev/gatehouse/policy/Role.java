package dev.gatehouse.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Standing access: the logins a role may use on the nodes its selector matches, and what it may
 * do in the gateway's own command shell.
 *
 * @param name unique role name
 * @param logins node logins this role may use (never root)
 * @param nodes label selector: a node matches when it carries every label listed; empty matches none
 * @param permissions gateway permissions ({@link Permission})
 */
public record Role(String name, List<String> logins, Map<String, String> nodes, Set<Permission> permissions) {
    public Role {
        logins = List.copyOf(logins);
        nodes = Map.copyOf(nodes);
        permissions = Set.copyOf(permissions);
    }
}
