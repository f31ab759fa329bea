package dev.gatehouse.policy;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable, validated access policy. Loaded by {@link PolicyLoader}; evaluated by
 * {@link PolicyEvaluator}.
 *
 * @param forbiddenLogins logins refused everywhere; always contains {@code root}
 * @param apps web applications behind the HTTPS app proxy ({@code apps:}); empty for none
 */
public record Policy(
        Set<String> forbiddenLogins,
        List<User> users,
        List<Node> nodes,
        List<Role> roles,
        List<Elevation> elevations,
        List<App> apps) {

    public Policy {
        forbiddenLogins = Set.copyOf(forbiddenLogins);
        users = List.copyOf(users);
        nodes = List.copyOf(nodes);
        roles = List.copyOf(roles);
        elevations = List.copyOf(elevations);
        apps = List.copyOf(apps);
    }

    /** A policy without web applications. */
    public Policy(Set<String> forbiddenLogins, List<User> users, List<Node> nodes, List<Role> roles,
            List<Elevation> elevations) {
        this(forbiddenLogins, users, nodes, roles, elevations, List.of());
    }

    /**
     * True when any user declares a tenant. Then tenancy is strict: a user reaches only nodes
     * whose {@code tenant} label equals the user's tenant, and a user without a tenant only nodes
     * without one. Otherwise (no user has a tenant, the single-tenant shape of older policies)
     * the {@code tenant} label is an ordinary label and role selectors alone decide.
     */
    public boolean multiTenant() {
        return users.stream().anyMatch(u -> u.tenant().isPresent());
    }

    public Optional<User> user(String name) {
        return users.stream().filter(u -> u.name().equals(name)).findFirst();
    }

    public Optional<Node> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    public Optional<Role> role(String name) {
        return roles.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    public Optional<App> app(String name) {
        return apps.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /** The user owning a public key given as {@code TYPE BASE64} (comment ignored). */
    public Optional<User> userByKey(String keyLine) {
        String[] parts = keyLine.trim().split("\\s+");
        if (parts.length < 2) {
            return Optional.empty();
        }
        String wanted = parts[0] + " " + parts[1];
        return users.stream().filter(u -> u.keys().contains(wanted)).findFirst();
    }
}
