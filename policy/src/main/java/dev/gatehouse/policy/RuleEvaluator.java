package dev.gatehouse.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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
 *
 * <p>With an {@link AccessState}, locks are checked before anything else, then the checks above,
 * then tenancy, then standing roles, and only then a just-in-time grant: a grant never outvotes a
 * lock, a tenant boundary or a forbidden login.
 *
 * <p>{@link #decideApp} shares those checks ({@code refusal}, then {@code grant}) with
 * {@link #decide}, applied to the app's login, so an app is never easier to reach than an SSH
 * session as the same login on the same node.
 */
final class RuleEvaluator implements PolicyEvaluator {
    private final Policy policy;
    private final Set<String> forbiddenLower = new HashSet<>();
    private final Map<String, User> users = new HashMap<>();
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<String, App> apps = new HashMap<>();
    private final List<App> appsByName;
    /** Per user, their roles with logins and matched nodes resolved. */
    private final Map<String, List<CompiledRole>> rolesByUser = new HashMap<>();
    private final List<Node> nodesByName;
    /** Per user, the elevations they may request (elevations with refused logins dropped). */
    private final Map<String, List<Elevation>> requestableByUser = new HashMap<>();
    private final boolean multiTenant;

    /** A role reduced to what decide() needs. */
    private record CompiledRole(Decision allow, Set<String> logins, Set<String> nodes, Set<Permission> permissions, Role role) {}

    RuleEvaluator(Policy policy) {
        this.policy = policy;
        this.multiTenant = policy.multiTenant();
        for (String login : policy.forbiddenLogins()) {
            forbiddenLower.add(login.toLowerCase(Locale.ROOT));
        }
        forbiddenLower.add(LoginNames.ROOT);
        policy.nodes().forEach(n -> nodes.put(n.name(), n));
        nodesByName = policy.nodes().stream().sorted(Comparator.comparing(Node::name)).toList();
        policy.apps().forEach(a -> apps.putIfAbsent(a.name(), a));
        appsByName = policy.apps().stream().sorted(Comparator.comparing(App::name)).toList();

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
                    Set.copyOf(matched), Set.copyOf(role.permissions()), role));
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
            requestableByUser.putIfAbsent(user.name(), policy.elevations().stream()
                    .filter(e -> LoginNames.problem(e.login()).isEmpty()
                            && !forbiddenLower.contains(e.login().toLowerCase(Locale.ROOT))
                            && Actors.holdsAny(user, e.requesters()))
                    .toList());
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
        return decide(user, login, node, AccessState.empty(), null);
    }

    @Override
    public Decision decide(String user, String login, String node, AccessState state, Instant now) {
        Objects.requireNonNull(state, "state");
        User known = user == null ? null : users.get(user);
        Node target = node == null ? null : nodes.get(node);
        Decision refused = refusal(user, known, login, node, target, state);
        if (refused != null) {
            return refused;
        }
        for (CompiledRole role : rolesByUser.get(known.name())) {
            if (role.logins().contains(login) && role.nodes().contains(node)) {
                return role.allow();
            }
        }
        Elevation elevation = requestable(known, login, target);
        Decision granted = grant(known, elevation, login, target, state, now);
        if (granted != null) {
            return granted;
        }
        if (elevation != null) {
            Duration suggested = elevation.maxDuration().compareTo(Duration.ofMinutes(30)) < 0
                    ? elevation.maxDuration() : Duration.ofMinutes(30);
            return Decision.deny("no active grant for login '" + login + "' on node '" + node + "' (request one with: request "
                    + login + "@" + node + " --for " + Texts.duration(suggested) + " --reason ...)");
        }
        return Decision.deny("no role allows login '" + login + "' on node '" + node + "'");
    }

    /**
     * The deny-wins checks every decision about {@code login} on {@code node} starts with, in this
     * order: a matching lock, a malformed, root or forbidden login, an unknown or disabled user, an
     * unknown node, another tenant's node. Null when none applies (then {@code known} and
     * {@code target} are not null).
     */
    private Decision refusal(String user, User known, String login, String node, Node target, AccessState state) {
        String userTenant = known == null ? null : Tenants.of(known);
        if (!state.locks().isEmpty()) {
            List<Lock> locks = state.locksMatching(user, userTenant, login, node,
                    target == null ? null : Tenants.of(target));
            if (!locks.isEmpty()) {
                return Decision.deny(locks.get(0).describe() + " is locked");
            }
        }
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
        if (known == null) {
            return Decision.deny("unknown user");
        }
        if (known.disabled()) {
            return Decision.deny("user '" + known.name() + "' is disabled");
        }
        if (target == null) {
            return Decision.deny("unknown node " + Names.quote(node == null ? "" : node));
        }
        if (!Tenants.reaches(multiTenant, userTenant, target)) {
            return Decision.deny("node '" + node + "' belongs to another tenant");
        }
        return null;
    }

    /**
     * The decision an ACTIVE grant of {@code known} for {@code login} on {@code target} at
     * {@code now} gives, while {@code elevation} (the policy's offer of that login to the user)
     * still exists: an allow carrying the grant, or a deny when a stricter elevation on the node
     * is not satisfied. Null when no such grant applies.
     */
    private Decision grant(User known, Elevation elevation, String login, Node target, AccessState state, Instant now) {
        if (now == null || elevation == null) {
            return null;
        }
        Optional<AccessRequest> grant = state.activeGrant(known.name(), login, target, now);
        // The grant's tenant must still be the user's: a user moved to another tenant keeps
        // no elevated access from the old one.
        if (grant.isEmpty() || !Tenants.same(grant.get().tenant(), Tenants.of(known))) {
            return null;
        }
        String gap = GrantCoverage.gap(policy, users, grant.get(), login, target);
        if (gap != null) {
            return Decision.deny("grant " + grant.get().id() + " does not cover this: " + gap);
        }
        return Decision.allowGrant(grant.get().id(), grant.get().windowEnd());
    }

    @Override
    public Decision decideApp(String user, String app, String node, AccessState state, Instant now) {
        Objects.requireNonNull(state, "state");
        App known = app == null ? null : apps.get(app);
        if (known == null) {
            return Decision.deny("no app " + Names.quote(app == null ? "" : app));
        }
        Node target = node == null ? null : nodes.get(node);
        if (target == null) {
            return Decision.deny("unknown node " + Names.quote(node == null ? "" : node));
        }
        if (!matches(known.nodes(), target.labels())) {
            return Decision.deny("app '" + app + "' is not on node '" + node + "'");
        }
        User person = user == null ? null : users.get(user);
        Decision refused = refusal(user, person, known.login(), node, target, state);
        if (refused != null) {
            return refused;
        }
        CompiledRole lister = null;
        boolean listed = false;
        for (CompiledRole role : rolesByUser.get(person.name())) {
            if (role.role().apps().contains(app)) {
                listed = true;
                if (role.nodes().contains(node)) {
                    lister = role;
                    break;
                }
            }
        }
        String noRole = "no role of user '" + user + "' allows app '" + app + "' on node '" + node + "'";
        if (!listed) {
            return Decision.deny(noRole);
        }
        // the app acts on the node as its login: the user must hold that login there, standing or granted
        Decision login = decide(user, known.login(), node, state, now);
        if (login.allowed() && login.viaGrant()) {
            return new Decision(true, "app " + app + " under grant " + login.grantId(), login.grantId(), login.grantEnd());
        }
        if (lister == null) {
            return Decision.deny(noRole);
        }
        if (!login.allowed()) {
            return Decision.deny("app '" + app + "' runs as login '" + known.login() + "': " + login.reason());
        }
        String opens = "role " + lister.role().name() + " opens app " + app;
        return Decision.allow(login.reason().equals("role " + lister.role().name()) ? opens
                : opens + "; " + login.reason() + " allows login " + known.login());
    }

    @Override
    public Decision decideForward(String user, String login, String node, String host, int port, AccessState state, Instant now) {
        Decision session = decide(user, login, node, state, now);
        if (!session.allowed()) {
            return session;
        }
        if (ForwardTarget.loopback(host).isEmpty()) {
            return Decision.deny("forwarding goes only to the node's own loopback (localhost, 127.0.0.1 or ::1), not to "
                    + Names.quote(host == null ? "" : host));
        }
        if (port < 1 || port > PortRange.MAX_PORT) {
            return Decision.deny("port " + port + " is not a TCP port (1-" + PortRange.MAX_PORT + ")");
        }
        for (CompiledRole role : rolesByUser.get(user)) {
            if (role.nodes().contains(node) && role.role().forwards(port)) {
                String rule = "role " + role.role().name() + " forwards port " + port;
                return session.viaGrant() ? new Decision(true, rule + " under grant " + session.grantId(),
                        session.grantId(), session.grantEnd()) : Decision.allow(rule);
            }
        }
        return Decision.deny("no role of user '" + user + "' allows forwarding to port " + port + " on node '" + node + "'");
    }

    /**
     * An elevation {@code user} may request for {@code login} on {@code node}, or null. A grant is
     * honoured only while one exists, so a policy reload that drops the elevation or the
     * requester's role ends the grant's effect at once.
     */
    @Override
    public Optional<String> secondFactor(String login, String node) {
        Node target = node == null ? null : nodes.get(node);
        return target == null ? Optional.empty() : GrantCoverage.secondFactor(policy, login, target);
    }

    private Elevation requestable(User user, String login, Node node) {
        for (Elevation e : requestableByUser.get(user.name())) {
            if (e.login().equals(login) && matches(e.nodes(), node.labels())) {
                return e;
            }
        }
        return null;
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
        String tenant = Tenants.of(users.get(user));
        for (Node node : nodesByName) {
            if (!Tenants.reaches(multiTenant, tenant, node)) {
                continue;
            }
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
    public List<AppAccess> reachableApps(String user) {
        List<CompiledRole> roles = activeRoles(user);
        if (roles.isEmpty()) {
            return List.of();
        }
        String tenant = Tenants.of(users.get(user));
        List<AppAccess> out = new ArrayList<>();
        for (App app : appsByName) {
            String login = app.login();
            if (LoginNames.problem(login).isPresent() || forbiddenLower.contains(login.toLowerCase(Locale.ROOT))) {
                continue; // a hand-made Policy must not list an app that decideApp refuses
            }
            for (Node node : nodesByName) {
                if (!matches(app.nodes(), node.labels()) || !Tenants.reaches(multiTenant, tenant, node)) {
                    continue;
                }
                boolean listedHere = false;
                boolean loginHere = false;
                for (CompiledRole role : roles) {
                    listedHere |= role.role().apps().contains(app.name()) && role.nodes().contains(node.name());
                    loginHere |= role.logins().contains(login) && role.nodes().contains(node.name());
                }
                if (listedHere && loginHere) {
                    out.add(new AppAccess(app.name(), node.name()));
                }
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
