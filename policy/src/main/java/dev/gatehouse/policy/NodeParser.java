package dev.gatehouse.policy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Parses the {@code nodes:} section: names, addresses, pinned host keys or host CAs, labels. */
final class NodeParser {
    private static final Set<String> FIELDS = Set.of("name", "address", "host_key", "host_ca", "labels");
    private static final Pattern HOST_NAME =
            Pattern.compile("(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9._-]{1,32})?");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
    static final int DEFAULT_PORT = 22;

    /** Names already seen, to point a duplicate at the first definition. */
    private final Map<String, Integer> seen = new HashMap<>();

    Node parse(ConfigNode item) {
        Map<String, ConfigNode> f = item.fields("a node", FIELDS);
        ConfigNode nameNode = ConfigNode.required(f, "name", item, "each node");
        String name = nameNode.nonEmptyString("node name");
        if (!Names.NODE.matcher(name).matches()) {
            throw nameNode.error("node name " + Names.quote(name) + " is not valid: use letters, digits, '.', '_' "
                    + "and '-', starting with a letter or digit, at most 63 characters");
        }
        Integer first = seen.putIfAbsent(name, nameNode.line());
        if (first != null) {
            throw nameNode.error("duplicate node '" + name + "' (first defined on line " + first + "); node names must be unique");
        }
        String what = "node '" + name + "'";
        ConfigNode addressNode = ConfigNode.required(f, "address", item, what);
        String[] hostPort = address(addressNode, what);

        Optional<ConfigNode> keyNode = ConfigNode.optional(f, "host_key");
        Optional<ConfigNode> caNode = ConfigNode.optional(f, "host_ca");
        if (keyNode.isEmpty() && caNode.isEmpty()) {
            throw item.error(what + " needs 'host_key' (its pinned host key) or 'host_ca' (the CA that signs its "
                    + "host certificate); gatehouse never trusts a host key on first use");
        }
        if (keyNode.isPresent() && caNode.isPresent()) {
            ConfigNode later = keyNode.get().line() > caNode.get().line() ? keyNode.get() : caNode.get();
            throw later.error(what + " has both 'host_key' and 'host_ca'; keep exactly one");
        }
        Optional<String> hostKey = keyNode.map(n -> hostKey(n, what + " host_key"));
        Optional<String> hostCa = caNode.map(n -> hostKey(n, what + " host_ca"));
        Map<String, String> labels = ConfigNode.optional(f, "labels")
                .filter(n -> !n.isNull())
                .map(n -> labels(n, what + " labels"))
                .orElse(Map.of());
        return new Node(name, hostPort[0], Integer.parseInt(hostPort[1]), hostKey, hostCa, labels);
    }

    private static String hostKey(ConfigNode node, String what) {
        try {
            return SshKeys.normalise(node.nonEmptyString(what), SshKeys.HOST_TYPES);
        } catch (IllegalArgumentException e) {
            throw node.error(what + " " + e.getMessage());
        }
    }

    /** {@code host:port}, {@code [v6]:port}, {@code [v6]} or {@code host}; returns host (no brackets) and port. */
    static String[] address(ConfigNode node, String what) {
        String text = node.nonEmptyString(what + " address");
        String host;
        String port = String.valueOf(DEFAULT_PORT);
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw node.error(what + " address " + Names.quote(text) + " has '[' without ']'; write [2001:db8::1]:22");
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw node.error(what + " address " + Names.quote(text) + " is not valid; write [2001:db8::1]:22");
                }
                port = rest.substring(1);
            }
            if (!IPV6.matcher(host).matches() || !host.contains(":")) {
                throw node.error(what + " address " + Names.quote(text) + " does not hold an IPv6 address in brackets");
            }
        } else {
            int colon = text.indexOf(':');
            if (colon >= 0 && colon != text.lastIndexOf(':')) {
                throw node.error(what + " address " + Names.quote(text)
                        + " looks like an IPv6 address; put it in brackets, as in [2001:db8::1]:22");
            }
            host = colon < 0 ? text : text.substring(0, colon);
            if (colon >= 0) {
                port = text.substring(colon + 1);
            }
            if (!HOST_NAME.matcher(host).matches()) {
                throw node.error(what + " address has host " + Names.quote(host)
                        + ", which is not a valid host name or IPv4 address");
            }
        }
        if (!PORT.matcher(port).matches() || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw node.error(what + " address has port " + Names.quote(port) + "; use a number from 1 to 65535");
        }
        return new String[] {host, port};
    }

    /** Labels and selectors: plain keys, non-empty scalar values. */
    static Map<String, String> labels(ConfigNode node, String what) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigNode> e : node.map(what).entrySet()) {
            if (!Names.LABEL_KEY.matcher(e.getKey()).matches()) {
                throw e.getValue().error(what + " has key " + Names.quote(e.getKey())
                        + "; use letters, digits, '.', '_', '/' and '-'");
            }
            out.put(e.getKey(), labelValue(e.getValue(), what + "." + e.getKey()));
        }
        return out;
    }

    /** A label value (also a user's tenant): non-empty, no control characters. */
    static String labelValue(ConfigNode node, String what) {
        String value = node.nonEmptyString(what);
        if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw node.error(what + " contains a control character");
        }
        return value;
    }
}
