package dev.gatehouse.policy;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What an elevation request points at: one node by name, or every node carrying a set of labels.
 * Exactly one of the two is given.
 *
 * @param node a node name, or null for a selector target
 * @param selector labels every targeted node carries; empty for a node target
 */
public record NodeTarget(String node, Map<String, String> selector) {
    public NodeTarget {
        selector = selector == null ? Map.of() : Map.copyOf(selector);
        if ((node == null) == selector.isEmpty()) {
            throw new IllegalArgumentException("a target is either one node or a non-empty label selector");
        }
    }

    public static NodeTarget node(String name) {
        return new NodeTarget(name, Map.of());
    }

    public static NodeTarget selector(Map<String, String> labels) {
        return new NodeTarget(null, labels);
    }

    /**
     * Reads {@code gpu-node-1} (a node) or {@code tenant=team-a,gpu=h100} (a selector), as typed
     * after {@code LOGIN@} in the gateway shell.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public static NodeTarget parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("no node or label selector given");
        }
        if (!text.contains("=")) {
            if (!Names.NODE.matcher(text).matches()) {
                throw new IllegalArgumentException("node name " + Names.quote(text)
                        + " is not valid: use letters, digits, '.', '_' and '-', at most 63 characters");
            }
            return node(text);
        }
        Map<String, String> labels = new TreeMap<>();
        for (String pair : text.split(",", -1)) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            if (!Names.LABEL_KEY.matcher(key).matches() || value.isEmpty()
                    || value.chars().anyMatch(c -> c <= 0x20 || c == 0x7f || c == '=')) {
                throw new IllegalArgumentException("label selector part " + Names.quote(pair)
                        + " is not valid: write KEY=VALUE[,KEY=VALUE...], such as tenant=team-a,gpu=h100");
            }
            if (labels.put(key, value) != null) {
                throw new IllegalArgumentException("label " + Names.quote(key) + " appears twice in the selector");
            }
        }
        return selector(labels);
    }

    public boolean isSelector() {
        return node == null;
    }

    /** Whether {@code candidate} is one of the targeted nodes (tenancy is checked elsewhere). */
    public boolean matches(Node candidate) {
        return node != null ? node.equals(candidate.name()) : RuleEvaluator.matches(selector, candidate.labels());
    }

    /** The policy's nodes this target names, in policy order. */
    public List<Node> resolve(Policy policy) {
        return policy.nodes().stream().filter(this::matches).toList();
    }

    /** The form {@link #parse} reads back: a node name or sorted {@code key=value} pairs. */
    @Override
    public String toString() {
        if (node != null) {
            return node;
        }
        return new TreeMap<>(selector).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }
}
