package dev.gatehouse.recorder;

import java.util.List;
import java.util.Set;

/**
 * Which sessions and events one tenant may see (R19), as the store's queries apply it. A session
 * belongs to its node's tenant; an event to its node's tenant, or, when it names no node, to its
 * user's tenant. A tenant is given by the node and user names it holds ({@link Names#of}); the
 * default tenant (no tenant) by the names every other tenant holds ({@link Names#except}), and it
 * also owns what names no node or no user (a node no longer in the policy, an event before
 * authentication).
 *
 * @param nodes the node names of the tenant
 * @param users the user names of the tenant
 */
public record TenantScope(Names nodes, Names users) {

    /** No restriction: a single-tenant policy. */
    public static final TenantScope ALL = new TenantScope(null, null);

    /** Whether this scope restricts nothing. */
    public boolean all() {
        return nodes == null && users == null;
    }

    /** Whether a session on {@code node} is in scope. */
    public boolean coversSession(String node) {
        return all() || nodes.contains(node);
    }

    /** Whether an event naming {@code node} (or null) and {@code user} (or null) is in scope. */
    public boolean coversEvent(String node, String user) {
        return all() || (node != null ? nodes.contains(node) : users.contains(user));
    }

    /**
     * A set of names, or its complement.
     *
     * @param names the names
     * @param complement true when the set is every name except {@code names}, null included
     */
    public record Names(Set<String> names, boolean complement) {
        public Names {
            names = Set.copyOf(names);
        }

        /** Exactly these names. */
        public static Names of(Set<String> names) {
            return new Names(names, false);
        }

        /** Every name but these, and null. */
        public static Names except(Set<String> names) {
            return new Names(names, true);
        }

        boolean contains(String name) {
            return name == null ? complement : names.contains(name) != complement;
        }

        /** SQL condition on {@code column}, its arguments appended to {@code args}. */
        String sql(String column, List<Object> args) {
            if (names.isEmpty()) {
                return complement ? "1 = 1" : "1 = 0";
            }
            StringBuilder in = new StringBuilder(column).append(complement ? " NOT IN (" : " IN (");
            boolean first = true;
            for (String n : names.stream().sorted().toList()) {
                in.append(first ? "?" : ", ?");
                args.add(n);
                first = false;
            }
            in.append(')');
            return complement ? "(" + column + " IS NULL OR " + in + ")" : in.toString();
        }
    }
}
