package dev.gatehouse.policy;

import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A YAML value that remembers where it came from, so every validation error can name
 * {@code file:line}. Shared by the policy loader and the gateway's configuration loader.
 *
 * <p>Only plain data is accepted: mappings with string keys, sequences and scalars. Anchors,
 * aliases and tags are refused (they have no use in these files and hide surprises).
 */
public final class ConfigNode {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private final String source;
    private final Node node;

    private ConfigNode(String source, Node node) {
        this.source = source;
        this.node = node;
    }

    /** Parses one YAML document. An empty document is an empty mapping. */
    public static ConfigNode parse(String yaml, String source) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(0);
        options.setAllowRecursiveKeys(false);
        options.setCodePointLimit(8 * 1024 * 1024);
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 1;
            throw new ConfigException(source, line, "not valid YAML: " + e.getProblem(), e);
        } catch (YAMLException e) {
            throw new ConfigException(source, 1, "not valid YAML: " + e.getMessage(), e);
        }
        if (root == null) {
            root = new MappingNode(Tag.MAP, List.of(), DumperOptions.FlowStyle.BLOCK);
        }
        refuseAnchorsAndTags(source, root);
        return new ConfigNode(source, root);
    }

    /**
     * SnakeYAML's composer accepts scalar aliases and local tags ({@code !foo}); refuse them here,
     * as the class comment promises, so a value always reads as what is written at its line.
     */
    private static void refuseAnchorsAndTags(String source, Node node) {
        ConfigNode at = new ConfigNode(source, node);
        if (node.getAnchor() != null) {
            throw at.error("YAML anchors and aliases (&" + node.getAnchor() + ", *" + node.getAnchor()
                    + ") are not supported here; write the value out");
        }
        if (!node.getTag().getValue().startsWith(Tag.PREFIX)) {
            throw at.error("YAML tag '" + node.getTag().getValue() + "' is not supported here; remove it");
        }
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                refuseAnchorsAndTags(source, tuple.getKeyNode());
                refuseAnchorsAndTags(source, tuple.getValueNode());
            }
        } else if (node instanceof SequenceNode sequence) {
            for (Node item : sequence.getValue()) {
                refuseAnchorsAndTags(source, item);
            }
        }
    }

    public String source() {
        return source;
    }

    /** 1-based line of this value. */
    public int line() {
        return node.getStartMark() == null ? 1 : node.getStartMark().getLine() + 1;
    }

    /** A {@link ConfigException} located at this value. */
    public ConfigException error(String problem) {
        return new ConfigException(source, line(), problem);
    }

    public boolean isMap() {
        return node instanceof MappingNode;
    }

    public boolean isList() {
        return node instanceof SequenceNode;
    }

    public boolean isScalar() {
        return node instanceof ScalarNode;
    }

    /** True for an absent value ({@code key:} with nothing after it, {@code ~} or {@code null}). */
    public boolean isNull() {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    /** The entries of a mapping, in file order. */
    public Map<String, ConfigNode> map(String what) {
        if (!(node instanceof MappingNode mapping)) {
            throw error(what + " must be a mapping (key: value)");
        }
        Map<String, ConfigNode> entries = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            ConfigNode keyNode = new ConfigNode(source, tuple.getKeyNode());
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                throw keyNode.error("keys in " + what + " must be plain strings");
            }
            // The composer does not enforce setAllowDuplicateKeys(false); without this check a
            // second "users:" would silently replace the first.
            ConfigNode previous = entries.put(key.getValue(), new ConfigNode(source, tuple.getValueNode()));
            if (previous != null) {
                throw keyNode.error("'" + key.getValue() + "' appears twice in " + what + "; keep one");
            }
        }
        return entries;
    }

    /**
     * The entries of a mapping after checking that every key is known; an unknown key (usually a
     * typo) is an error that lists the known ones.
     */
    public Map<String, ConfigNode> fields(String what, Set<String> known) {
        Map<String, ConfigNode> entries = map(what);
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                String key = ((ScalarNode) tuple.getKeyNode()).getValue();
                if (!known.contains(key)) {
                    throw new ConfigNode(source, tuple.getKeyNode())
                            .error("unknown field '" + key + "' in " + what + " (known: " + String.join(", ", new TreeSet<>(known)) + ")");
                }
            }
        }
        return entries;
    }

    /** The items of a sequence. */
    public List<ConfigNode> list(String what) {
        if (!(node instanceof SequenceNode sequence)) {
            throw error(what + " must be a list");
        }
        List<ConfigNode> items = new ArrayList<>();
        for (Node item : sequence.getValue()) {
            items.add(new ConfigNode(source, item));
        }
        return items;
    }

    /** A scalar as text (numbers and booleans as written). */
    public String string(String what) {
        if (!(node instanceof ScalarNode scalar)) {
            throw error(what + " must be a single value, not a " + (isMap() ? "mapping" : "list"));
        }
        return scalar.getValue();
    }

    /** A non-empty scalar. */
    public String nonEmptyString(String what) {
        String value = string(what).trim();
        if (value.isEmpty()) {
            throw error(what + " must not be empty");
        }
        return value;
    }

    /** A list of scalars; a single scalar is not accepted (write {@code [a, b]}). */
    public List<String> strings(String what) {
        List<String> values = new ArrayList<>();
        for (ConfigNode item : list(what)) {
            values.add(item.string("each item of " + what));
        }
        return values;
    }

    /** A mapping of scalars (e.g. labels). */
    public Map<String, String> stringMap(String what) {
        Map<String, String> values = new LinkedHashMap<>();
        map(what).forEach((k, v) -> values.put(k, v.string(what + "." + k)));
        return values;
    }

    public int integer(String what, int min, int max) {
        String text = string(what).trim();
        try {
            int value = Integer.parseInt(text);
            if (value < min || value > max) {
                throw error(what + " must be between " + min + " and " + max + ", not " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw error(what + " must be a whole number, not '" + text + "'");
        }
    }

    public long longValue(String what, long min, long max) {
        String text = string(what).trim();
        try {
            long value = Long.parseLong(text);
            if (value < min || value > max) {
                throw error(what + " must be between " + min + " and " + max + ", not " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw error(what + " must be a whole number, not '" + text + "'");
        }
    }

    public boolean bool(String what) {
        String text = string(what).trim();
        return switch (text) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw error(what + " must be true or false, not '" + text + "'");
        };
    }

    /** A duration such as {@code 90s}, {@code 2m}, {@code 1h}, {@code 7d} or {@code 250ms}. */
    public Duration duration(String what) {
        String text = string(what).trim();
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw error(what + " must be a duration like 90s, 2m, 1h or 7d, not '" + text + "'");
        }
        long amount;
        try {
            amount = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw error(what + " is too large: '" + text + "'");
        }
        try {
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } catch (ArithmeticException e) {
            throw error(what + " is too large: '" + text + "'");
        }
    }

    /** A value from a mapping returned by {@link #map} or {@link #fields}, or an error naming the missing key. */
    public static ConfigNode required(Map<String, ConfigNode> fields, String key, ConfigNode parent, String what) {
        ConfigNode value = fields.get(key);
        if (value == null) {
            throw parent.error(what + " needs '" + key + "'");
        }
        return value;
    }

    public static Optional<ConfigNode> optional(Map<String, ConfigNode> fields, String key) {
        return Optional.ofNullable(fields.get(key));
    }
}
