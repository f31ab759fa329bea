package dev.gatehouse.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Standing-access decisions over one immutable {@link Policy}.
 *
 * <p>Implementation notes: every refusal is checked before any allow, so no role can outvote a
 * malformed or forbidden login, a disabled user or an unknown node. The constructor resolves each
 * role's selector to the set of node names it matches and each user to their role objects, so
 * {@link #decide} does a handful of hash lookups and, for lower-case logins, allocates nothing
 * on the allow path.
 */
final class RuleEvaluator implements PolicyEvaluator {
    private final Policy policy;
    private final Set<String> forbiddenLower = new HashSet<>();
    private final Map<String, User> users = new HashMap<>();
    private final Map<String, Node> nodes = new HashMap<>();
    /** Per user, their roles with logins and matched nodes resolved. */
    private final Map<String, List<CompiledRole>> rolesByUser = new HashMap<>();
    private final List<Node> nodesByName;

    /** A role reduced to what decide() needs. */
    private record CompiledRole(Decision allow, Set<String> logins, Set<String> nodes, Set<Permission> permissions) {}

    RuleEvaluator(Policy policy) {
        this.policy = policy;
        for (String login : policy.forbiddenLogins()) {
            forbiddenLower.add(login.toLowerCase(Locale.ROOT));
        }
        forbiddenLower.add(LoginNames.ROOT);
        policy.nodes().forEach(n -> nodes.put(n.name(), n));
        nodesByName = policy.nodes().stream().sorted(Comparator.comparing(Node::name)).toList();

        Map<String, CompiledRole> compiled = new HashMap<>();
        for (Role role : policy.roles()) {
            Set<String> matched = new HashSet<>();
            for (Node node : policy.nodes()) {
                if (matches(role.nodes(), node.labels())) {
                    matched.add(node.name());
                }
            }
            // Policies are built by PolicyParser, but a hand-made Policy must not sneak root past
            // the evaluator either: drop refused logins here as well.
            Set<String> logins = new HashSet<>();
            for (String login : role.logins()) {
                if (LoginNames.problem(login).isEmpty() && !forbiddenLower.contains(login.toLowerCase(Locale.ROOT))) {
                    logins.add(login);
                }
            }
            compiled.putIfAbsent(role.name(), new CompiledRole(Decision.allow("role " + role.name()), Set.copyOf(logins),
                    Set.copyOf(matched), Set.copyOf(role.permissions())));
        }
        for (User user : policy.users()) {
            users.putIfAbsent(user.name(), user);
            List<CompiledRole> roles = new ArrayList<>();
            for (String name : user.roles()) {
                CompiledRole role = compiled.get(name);
                if (role != null) {
                    roles.add(role);
                }
            }
            rolesByUser.putIfAbsent(user.name(), List.copyOf(roles));
        }
    }

    /** A node matches a selector when it carries every label listed; an empty selector matches none. */
    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        if (selector.isEmpty()) {
            return false;
        }
        for (Map.Entry<String, String> wanted : selector.entrySet()) {
            if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Decision decide(String user, String login, String node) {
        Optional<String> malformed = LoginNames.problem(login);
        if (malformed.isPresent()) {
            return Decision.deny(malformed.get());
        }
        String lower = login.toLowerCase(Locale.ROOT);
        if (lower.equals(LoginNames.ROOT)) {
            return Decision.deny("root login is not permitted");
        }
        if (forbiddenLower.contains(lower)) {
            return Decision.deny("login '" + login + "' is forbidden");
        }
        User known = user == null ? null : users.get(user);
        if (known == null) {
            return Decision.deny("unknown user");
        }
        if (known.disabled()) {
            return Decision.deny("user '" + known.name() + "' is disabled");
        }
        if (node == null || !nodes.containsKey(node)) {
            return Decision.deny("unknown node " + Names.quote(node == null ? "" : node));
        }
        for (CompiledRole role : rolesByUser.get(known.name())) {
            if (role.logins().contains(login) && role.nodes().contains(node)) {
                return role.allow();
            }
        }
        return Decision.deny("no role allows login '" + login + "' on node '" + node + "'");
    }

    @Override
    public Set<Permission> permissions(String user) {
        List<CompiledRole> roles = activeRoles(user);
        if (roles.isEmpty()) {
            return Set.of();
        }
        Set<Permission> union = EnumSet.noneOf(Permission.class);
        roles.forEach(r -> union.addAll(r.permissions()));
        return Set.copyOf(union);
    }

    @Override
    public List<NodeAccess> reachableNodes(String user) {
        List<CompiledRole> roles = activeRoles(user);
        if (roles.isEmpty()) {
            return List.of();
        }
        List<NodeAccess> out = new ArrayList<>();
        for (Node node : nodesByName) {
            Set<String> logins = new TreeSet<>();
            for (CompiledRole role : roles) {
                if (role.nodes().contains(node.name())) {
                    logins.addAll(role.logins());
                }
            }
            if (!logins.isEmpty()) {
                out.add(new NodeAccess(node.name(), List.copyOf(logins)));
            }
        }
        return List.copyOf(out);
    }

    @Override
    public Policy policy() {
        return policy;
    }

    /** The roles of an enabled, known user; empty otherwise. */
    private List<CompiledRole> activeRoles(String user) {
        User known = user == null ? null : users.get(user);
        if (known == null || known.disabled()) {
            return List.of();
        }
        return rolesByUser.get(known.name());
    }
}
