package dev.gatehouse.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a policy document into a validated {@link Policy}, failing on the first problem.
 *
 * <p>Implementation notes: {@code forbidden_logins} is read first because every login granted
 * elsewhere is checked against it. The other sections are read in file order; references to
 * roles are collected and checked afterwards (a user may name a role defined further down),
 * in line order, so the reported problem is the first one of its kind in the file.
 */
final class PolicyParser {
    private static final Set<String> TOP = Set.of("forbidden_logins", "users", "nodes", "roles", "elevations", "apps");
    private static final Set<String> USER_FIELDS = Set.of("name", "keys", "roles", "disabled", "tenant");
    private static final Set<String> ROLE_FIELDS = Set.of("name", "logins", "nodes", "permissions", "forward", "apps");
    private static final Set<String> FORWARD_FIELDS = Set.of("ports");
    private static final Set<String> ELEVATION_FIELDS = Set.of("login", "nodes", "max_duration", "approvals",
            "requesters", "approvers", "require_reason", "second_factor");
    private static final Set<String> SECOND_FACTORS = Set.of("totp");
    static final Duration MAX_ELEVATION = Duration.ofDays(7);
    private static final int MAX_APPROVALS = 100;

    private final Set<String> forbidden = new LinkedHashSet<>();
    /** Lower-cased, because the evaluator refuses forbidden logins whatever their case. */
    private final Set<String> forbiddenLower = new java.util.HashSet<>();
    private final List<User> users = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Role> roles = new ArrayList<>();
    private final List<Elevation> elevations = new ArrayList<>();
    private final List<App> apps = new ArrayList<>();
    private final Map<String, Integer> userLines = new HashMap<>();
    private final Map<String, Integer> roleLines = new HashMap<>();
    /** Normalised key to the user holding it, so one key never identifies two people. */
    private final Map<String, String> keyOwners = new HashMap<>();
    private final List<RoleRef> roleRefs = new ArrayList<>();
    private final NodeParser nodeParser = new NodeParser();
    private final AppParser appParser = new AppParser(forbiddenLower);
    private final List<RoleRef> appRefs = new ArrayList<>();
    /** Line of each node's name, for the {@code --} rule checked once apps are known. */
    private final Map<String, ConfigNode> nodeNames = new HashMap<>();

    /** A role (or app) name used somewhere, checked once every role (or app) is known. */
    private record RoleRef(ConfigNode at, String name, String usedBy) {}

    private PolicyParser() {}

    static Policy parse(ConfigNode root) {
        return new PolicyParser().run(root);
    }

    private Policy run(ConfigNode root) {
        Map<String, ConfigNode> top = root.fields("the policy file", TOP);
        forbidden.add(LoginNames.ROOT);
        forbiddenLower.add(LoginNames.ROOT);
        ConfigNode.optional(top, "forbidden_logins").ifPresent(this::forbiddenLogins);
        for (Map.Entry<String, ConfigNode> section : top.entrySet()) {
            ConfigNode value = section.getValue();
            if (value.isNull()) {
                continue; // "users:" with nothing under it is an empty list
            }
            switch (section.getKey()) {
                case "users" -> value.list("users").forEach(item -> users.add(user(item)));
                case "nodes" -> value.list("nodes").forEach(item -> {
                    Node node = nodeParser.parse(item);
                    nodes.add(node);
                    nodeNames.put(node.name(), item);
                });
                case "roles" -> value.list("roles").forEach(item -> roles.add(role(item)));
                case "elevations" -> value.list("elevations").forEach(item -> elevations.add(elevation(item)));
                case "apps" -> value.list("apps").forEach(item -> apps.add(appParser.parse(item)));
                default -> { } // forbidden_logins, read above
            }
        }
        roleRefs.sort(Comparator.comparingInt(ref -> ref.at().line()));
        for (RoleRef ref : roleRefs) {
            if (!roleLines.containsKey(ref.name())) {
                throw ref.at().error(ref.usedBy() + " names unknown role " + Names.quote(ref.name())
                        + " (defined roles: " + (roleLines.isEmpty() ? "none" : String.join(", ", new TreeSet<>(roleLines.keySet())))
                        + ")");
            }
        }
        appRefs.sort(Comparator.comparingInt(ref -> ref.at().line()));
        for (RoleRef ref : appRefs) {
            if (!appParser.known(ref.name())) {
                throw ref.at().error(ref.usedBy() + " names unknown app " + Names.quote(ref.name())
                        + " (defined apps: " + (apps.isEmpty() ? "none" : String.join(", ", new TreeSet<>(appParser.names())))
                        + ")");
            }
        }
        if (!apps.isEmpty()) {
            nodes.stream().filter(n -> n.name().contains("--")).findFirst().ifPresent(n -> {
                throw nodeNames.get(n.name()).error("node name '" + n.name() + "' contains '--', which separates app and "
                        + "node in app host names (APP--NODE.apps.HOST); rename the node, since this policy has apps");
            });
        }
        return new Policy(forbidden, users, nodes, roles, elevations, apps);
    }

    private void forbiddenLogins(ConfigNode node) {
        if (node.isNull()) {
            return;
        }
        for (ConfigNode item : node.list("forbidden_logins")) {
            String login = item.string("each item of forbidden_logins").trim();
            LoginNames.problem(login).ifPresent(p -> {
                throw item.error("forbidden_logins: " + p);
            });
            forbidden.add(login);
            forbiddenLower.add(login.toLowerCase(Locale.ROOT));
        }
    }

    private User user(ConfigNode item) {
        Map<String, ConfigNode> f = item.fields("a user", USER_FIELDS);
        ConfigNode nameNode = ConfigNode.required(f, "name", item, "each user");
        String name = nameNode.nonEmptyString("user name");
        if (!Names.USER.matcher(name).matches()) {
            throw nameNode.error("user name " + Names.quote(name) + " is not valid: start with a lower-case letter, "
                    + "then lower-case letters, digits, '.', '_' or '-', at most 32 characters");
        }
        Integer first = userLines.putIfAbsent(name, nameNode.line());
        if (first != null) {
            throw nameNode.error("duplicate user '" + name + "' (first defined on line " + first
                    + "); user names must be unique, disable a user instead of defining it twice");
        }
        String what = "user '" + name + "'";
        List<String> keys = new ArrayList<>();
        ConfigNode keysNode = ConfigNode.required(f, "keys", item, what);
        if (!keysNode.isNull()) {
            List<ConfigNode> items = keysNode.list(what + " keys");
            for (int i = 0; i < items.size(); i++) {
                ConfigNode keyNode = items.get(i);
                String keyWhat = what + " key " + (i + 1);
                String key;
                try {
                    key = SshKeys.normalise(keyNode.nonEmptyString(keyWhat), SshKeys.USER_TYPES);
                } catch (IllegalArgumentException e) {
                    throw keyNode.error(keyWhat + " " + e.getMessage());
                }
                String owner = keyOwners.putIfAbsent(key, name);
                if (owner != null) {
                    throw keyNode.error(keyWhat + " is already listed for user '" + owner
                            + "'; every key belongs to exactly one person");
                }
                keys.add(key);
            }
        }
        List<String> roleNames = roleRefs(f.get("roles"), what + " roles", what);
        boolean disabled = ConfigNode.optional(f, "disabled").map(n -> n.bool(what + " disabled")).orElse(false);
        // Same rules as a label value, because it is compared with the nodes' tenant label.
        Optional<String> tenant = ConfigNode.optional(f, "tenant").filter(n -> !n.isNull())
                .map(n -> NodeParser.labelValue(n, what + " tenant"));
        return new User(name, keys, roleNames, disabled, tenant);
    }

    private Role role(ConfigNode item) {
        Map<String, ConfigNode> f = item.fields("a role", ROLE_FIELDS);
        ConfigNode nameNode = ConfigNode.required(f, "name", item, "each role");
        String name = nameNode.nonEmptyString("role name");
        if (!Names.ROLE.matcher(name).matches()) {
            throw nameNode.error("role name " + Names.quote(name) + " is not valid: use letters, digits, '.', '_' "
                    + "and '-', at most 63 characters");
        }
        Integer first = roleLines.putIfAbsent(name, nameNode.line());
        if (first != null) {
            throw nameNode.error("duplicate role '" + name + "' (first defined on line " + first + "); role names must be unique");
        }
        String what = "role '" + name + "'";
        Set<String> logins = new LinkedHashSet<>();
        ConfigNode loginsNode = f.get("logins");
        if (loginsNode != null && !loginsNode.isNull()) {
            for (ConfigNode login : loginsNode.list(what + " logins")) {
                logins.add(grantedLogin(login, what));
            }
        }
        Map<String, String> selector = selector(f.get("nodes"), what);
        Set<Permission> permissions = EnumSet.noneOf(Permission.class);
        ConfigNode permNode = f.get("permissions");
        if (permNode != null && !permNode.isNull()) {
            for (ConfigNode p : permNode.list(what + " permissions")) {
                String text = p.nonEmptyString(what + " permission");
                try {
                    permissions.add(Permission.valueOf(text.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw p.error(what + " has unknown permission " + Names.quote(text) + " (known: admin, audit)");
                }
            }
        }
        return new Role(name, List.copyOf(logins), selector, permissions, forwardPorts(f.get("forward"), what),
                appRefs(f.get("apps"), what));
    }

    /** {@code apps: [names]}: apps the role opens; existence is checked once all apps are read. */
    private List<String> appRefs(ConfigNode node, String what) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        Set<String> names = new LinkedHashSet<>();
        for (ConfigNode item : node.list(what + " apps")) {
            String name = item.nonEmptyString("each item of " + what + " apps");
            appRefs.add(new RoleRef(item, name, what + " apps"));
            names.add(name);
        }
        return List.copyOf(names);
    }

    /**
     * {@code forward: {ports: [8888, "8000-8999"]}}: loopback ports on the role's nodes that its
     * holders may forward to. Each item is a port (1-65535) or an inclusive range {@code A-B}.
     */
    private static List<PortRange> forwardPorts(ConfigNode node, String what) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        Map<String, ConfigNode> f = node.fields(what + " forward", FORWARD_FIELDS);
        ConfigNode portsNode = ConfigNode.required(f, "ports", node, what + " forward");
        if (portsNode.isNull()) {
            return List.of();
        }
        List<PortRange> ranges = new ArrayList<>();
        for (ConfigNode item : portsNode.list(what + " forward ports")) {
            ranges.add(portRange(item, what));
        }
        return List.copyOf(ranges);
    }

    private static PortRange portRange(ConfigNode item, String what) {
        String text = item.string(what + " forward port").trim();
        String hint = what + " forward port " + Names.quote(text) + " is not valid: write a port from 1 to "
                + PortRange.MAX_PORT + " or a range such as 8000-8999";
        int dash = text.indexOf('-');
        try {
            int first = Integer.parseInt(dash < 0 ? text : text.substring(0, dash).trim());
            int last = dash < 0 ? first : Integer.parseInt(text.substring(dash + 1).trim());
            if (first < 1 || last > PortRange.MAX_PORT || first > PortRange.MAX_PORT || last < 1) {
                throw item.error(hint);
            }
            if (first > last) {
                throw item.error(what + " forward port range " + Names.quote(text) + " runs backwards; write the lower port first");
            }
            return new PortRange(first, last);
        } catch (NumberFormatException e) {
            throw item.error(hint);
        }
    }

    private Elevation elevation(ConfigNode item) {
        Map<String, ConfigNode> f = item.fields("an elevation", ELEVATION_FIELDS);
        ConfigNode loginNode = ConfigNode.required(f, "login", item, "each elevation");
        String login = grantedLogin(loginNode, "elevation");
        String what = "elevation to '" + login + "'";
        ConfigNode nodesNode = ConfigNode.required(f, "nodes", item, what);
        Map<String, String> selector = selector(nodesNode, what);

        ConfigNode durationNode = ConfigNode.required(f, "max_duration", item, what);
        Duration maxDuration = durationNode.duration(what + " max_duration");
        if (maxDuration.isZero() || maxDuration.isNegative()) {
            throw durationNode.error(what + " max_duration must be longer than 0, such as 1h");
        }
        if (maxDuration.compareTo(MAX_ELEVATION) > 0) {
            throw durationNode.error(what + " max_duration " + durationNode.string("max_duration").trim()
                    + " is longer than the 7d limit; elevation is meant to be short-lived");
        }
        int approvals = 1;
        ConfigNode approvalsNode = f.get("approvals");
        if (approvalsNode != null) {
            long n = approvalsNode.longValue(what + " approvals", Long.MIN_VALUE, Long.MAX_VALUE);
            if (n < 1) {
                throw approvalsNode.error(what + " approvals must be at least 1: someone other than the requester must approve");
            }
            if (n > MAX_APPROVALS) {
                throw approvalsNode.error(what + " approvals must be at most " + MAX_APPROVALS + ", not " + n);
            }
            approvals = (int) n;
        }
        List<String> requesters = requiredRoles(f, "requesters", item, what);
        List<String> approvers = requiredRoles(f, "approvers", item, what);
        boolean requireReason = ConfigNode.optional(f, "require_reason")
                .map(n -> n.bool(what + " require_reason")).orElse(false);
        Optional<String> secondFactor = Optional.empty();
        ConfigNode factorNode = f.get("second_factor");
        if (factorNode != null && !factorNode.isNull()) {
            String factor = factorNode.nonEmptyString(what + " second_factor");
            if (!SECOND_FACTORS.contains(factor)) {
                throw factorNode.error(what + " has unknown second_factor " + Names.quote(factor) + " (known: totp)");
            }
            secondFactor = Optional.of(factor);
        }
        return new Elevation(login, selector, maxDuration, approvals, requesters, approvers, requireReason, secondFactor);
    }

    /** A login a role or elevation grants: well formed, never root, never forbidden. */
    private String grantedLogin(ConfigNode node, String grantor) {
        String login = node.string(grantor + " login").trim();
        LoginNames.problem(login).ifPresent(p -> {
            throw node.error(grantor + ": " + p);
        });
        if (login.equalsIgnoreCase(LoginNames.ROOT)) {
            throw node.error(grantor + " grants login '" + login + "', which is always forbidden");
        }
        if (forbiddenLower.contains(login.toLowerCase(Locale.ROOT))) {
            throw node.error(grantor + " grants login '" + login + "', which forbidden_logins refuses; remove one of the two");
        }
        return login;
    }

    private static Map<String, String> selector(ConfigNode node, String what) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        return NodeParser.labels(node, what + " nodes");
    }

    private List<String> requiredRoles(Map<String, ConfigNode> f, String key, ConfigNode item, String what) {
        ConfigNode node = ConfigNode.required(f, key, item, what);
        List<String> names = roleRefs(node, what + " " + key, what + " " + key);
        if (names.isEmpty()) {
            throw node.error(what + " " + key + " must name at least one role");
        }
        return names;
    }

    /** Role names from a list; existence is checked once all roles are read. */
    private List<String> roleRefs(ConfigNode node, String listWhat, String usedBy) {
        Set<String> names = new LinkedHashSet<>();
        if (node == null || node.isNull()) {
            return List.of();
        }
        for (ConfigNode item : node.list(listWhat)) {
            String name = item.nonEmptyString("each item of " + listWhat);
            roleRefs.add(new RoleRef(item, name, usedBy));
            names.add(name);
        }
        return List.copyOf(names);
    }
}
