package dev.gatehouse.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Reading the CLI's and the gateway shell's {@code --json} output and audit events. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** A listing: a JSON array of objects, each with an {@code id} (the contract for every --json). */
    static List<JsonNode> array(Proc.Result r) {
        JsonNode root;
        try {
            root = MAPPER.readTree(r.stdout());
        } catch (JsonProcessingException e) {
            throw new AssertionError("--json output is not JSON: " + e.getOriginalMessage() + "\n" + r.describe());
        }
        if (root == null || !root.isArray()) {
            throw new AssertionError("--json output is not a JSON array\n" + r.describe());
        }
        List<JsonNode> list = new ArrayList<>();
        for (JsonNode n : root) {
            if (!n.isObject() || !n.hasNonNull("id")) {
                throw new AssertionError("--json element without an id: " + n + "\n" + r.describe());
            }
            list.add(n);
        }
        return list;
    }

    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** A field as text ("" when missing or null), so numbers and strings compare alike. */
    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    /** A field of the event's {@code details} object as text ("" when missing). */
    static String detail(JsonNode event, String key) {
        JsonNode d = event.get("details");
        if (d != null && d.isTextual()) {
            d = parse(d.asText()); // tolerate details serialised as a JSON string
        }
        if (d == null || !d.isObject()) {
            return "";
        }
        return text(d, key);
    }

    static Predicate<JsonNode> type(String type) {
        return e -> type.equals(text(e, "type"));
    }

    static List<JsonNode> filter(List<JsonNode> events, Predicate<JsonNode> p) {
        return events.stream().filter(p).toList();
    }

    static long count(List<JsonNode> events, Predicate<JsonNode> p) {
        return events.stream().filter(p).count();
    }

    /** Elements of {@code after} whose id is not in {@code before}. */
    static List<JsonNode> since(List<JsonNode> before, List<JsonNode> after) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        before.forEach(n -> seen.add(text(n, "id")));
        return after.stream().filter(n -> !seen.contains(text(n, "id"))).toList();
    }

    static String tail(List<JsonNode> events, int n) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode e : events.subList(Math.max(0, events.size() - n), events.size())) {
            sb.append(e).append('\n');
        }
        return sb.toString();
    }
}
