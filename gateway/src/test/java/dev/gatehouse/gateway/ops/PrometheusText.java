package dev.gatehouse.gateway.ops;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats): {@code # HELP} and {@code # TYPE}
 * lines, samples {@code name{label="value",...} value [timestamp]} with the format's escapes,
 * every sample under a family declared by {@code # TYPE} (with the {@code _total},
 * {@code _bucket}, {@code _sum}, {@code _count}, {@code _created} suffixes the types allow), each
 * family declared once. Written here because no library on Maven Central parses this format
 * (the Prometheus Java client only writes it); the e2e suite also parses the gateway's output with
 * the Prometheus project's own Python parser.
 */
public final class PrometheusText {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
    private static final Pattern VALUE = Pattern.compile("[+-]?(?:Inf|NaN|\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?)");

    /** One sample line. */
    public record Sample(String family, String name, Map<String, String> labels, double value) {}

    private PrometheusText() {}

    /** @throws IllegalArgumentException naming the line number and what is wrong */
    public static List<Sample> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the exposition must end with a line feed");
        }
        Map<String, String> types = new LinkedHashMap<>();
        List<Sample> samples = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            int n = i + 1;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                Matcher t = TYPE.matcher(line);
                if (t.matches()) {
                    if (types.put(t.group(1), t.group(2)) != null) {
                        throw new IllegalArgumentException(n + ": family " + t.group(1) + " declared twice");
                    }
                    continue;
                }
                if (line.startsWith("# HELP ") && !HELP.matcher(line).matches()) {
                    throw new IllegalArgumentException(n + ": malformed HELP line: " + line);
                }
                continue;
            }
            Matcher s = SAMPLE.matcher(line);
            if (!s.matches()) {
                throw new IllegalArgumentException(n + ": malformed sample: " + line);
            }
            if (!VALUE.matcher(s.group(3)).matches()) {
                throw new IllegalArgumentException(n + ": not a number: " + s.group(3));
            }
            String name = s.group(1);
            String family = family(name, types);
            if (family == null) {
                throw new IllegalArgumentException(n + ": sample " + name + " has no # TYPE before it");
            }
            samples.add(new Sample(family, name, labels(s.group(2), n), Double.parseDouble(s.group(3).replace("Inf", "Infinity"))));
        }
        return samples;
    }

    private static String family(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : List.of("_total", "_created", "_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                String type = types.get(base);
                boolean allowed = switch (suffix) {
                    case "_total" -> "counter".equals(type);
                    case "_bucket" -> "histogram".equals(type);
                    default -> type != null && !"gauge".equals(type);
                };
                if (allowed) {
                    return base;
                }
            }
        }
        return null;
    }

    private static String unescape(String v) {
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\') {
                char next = v.charAt(++i);
                b.append(next == 'n' ? '\n' : next);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static Map<String, String> labels(String text, int line) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isEmpty()) {
            return labels;
        }
        Matcher m = LABEL.matcher(text);
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException(line + ": malformed labels at " + at + ": " + text);
            }
            String value = unescape(m.group(2));
            if (labels.put(m.group(1), value) != null) {
                throw new IllegalArgumentException(line + ": label " + m.group(1) + " twice");
            }
            at = m.end();
            if (m.group(3).isEmpty() && at != text.length()) {
                throw new IllegalArgumentException(line + ": text after the labels: " + text);
            }
        }
        return labels;
    }
}
