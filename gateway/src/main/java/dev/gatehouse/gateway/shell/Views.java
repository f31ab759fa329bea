package dev.gatehouse.gateway.shell;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gatehouse.policy.Printable;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.recorder.SessionSummary;
import dev.gatehouse.recorder.StoredEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Text and JSON renderings of listings, shared by the gateway shell and the local CLI.
 *
 * <p>Every field that came from outside goes through {@link #escape} (the {@link Printable} rule)
 * in text views, and whole outputs go through {@link #terminalSafe} before they reach a terminal.
 * JSON keeps values exact: it is written in ASCII with <code>&#92;uXXXX</code> escapes for everything else
 * (RFC 8259 section 7), so a JSON listing parses back to the stored text and still cannot drive
 * the terminal it is printed on.
 */
public final class Views {
    private static final ObjectMapper JSON = JsonMapper.builder().disable(SerializationFeature.INDENT_OUTPUT)
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private Views() {}

    public static String sessionsJson(List<SessionSummary> sessions) {
        ArrayNode array = JSON.createArrayNode();
        for (SessionSummary s : sessions) {
            ObjectNode o = array.addObject();
            o.put("id", s.id());
            o.put("user", s.user());
            o.put("login", s.login());
            o.put("node", s.node());
            o.put("kind", s.kind());
            o.put("command", s.command());
            o.put("source", s.source());
            o.put("start", str(s.start()));
            o.put("end", str(s.end()));
            if (s.exitStatus() == null) {
                o.putNull("exit_status");
            } else {
                o.put("exit_status", s.exitStatus());
            }
            o.put("outcome", s.outcome());
        }
        return write(array);
    }

    public static String sessionsTable(List<SessionSummary> sessions) {
        StringBuilder b = new StringBuilder(String.format("%-26s  %-20s  %-12s  %-30s  %-5s  %-9s  %s%n",
                "ID", "START", "USER", "TARGET", "KIND", "STATUS", "COMMAND"));
        for (SessionSummary s : sessions) {
            String status = s.end() == null ? "running" : s.exitStatus() != null ? "exit " + s.exitStatus() : String.valueOf(s.outcome());
            b.append(String.format("%-26s  %-20s  %-12s  %-30s  %-5s  %-9s  %s%n", s.id(),
                    s.start() == null ? "" : s.start().toString().replaceFirst("\\.\\d+Z$", "Z"), escape(s.user()),
                    escape(s.login() + "@" + s.node()), escape(s.kind()), escape(status),
                    s.command() == null ? "" : escape(s.command())));
        }
        return b.toString();
    }

    public static String eventsJson(List<StoredEvent> events) {
        ArrayNode array = JSON.createArrayNode();
        for (StoredEvent e : events) {
            ObjectNode o = array.addObject();
            o.put("id", e.chainId() + ":" + e.seq());
            o.put("chain", e.chainId());
            o.put("seq", e.seq());
            o.put("type", e.event().type());
            o.put("time", str(e.event().time()));
            o.put("outcome", e.event().outcome());
            o.put("source", e.event().source());
            o.put("user", e.event().user());
            o.put("node", e.event().node());
            o.put("login", e.event().login());
            if (e.event().certSerial() == null) {
                o.putNull("cert_serial");
            } else {
                o.put("cert_serial", e.event().certSerial());
            }
            o.put("grant_id", e.event().grantId());
            o.put("session_id", e.event().sessionId());
            ObjectNode details = o.putObject("details");
            for (Map.Entry<String, String> d : e.event().details().entrySet()) {
                details.put(d.getKey(), d.getValue());
            }
            o.put("hash", e.hash());
        }
        return write(array);
    }

    /** {@code LOGIN@NODE}, or whichever of the two an event has ({@code app.denied} may name a node without a login); null for neither. */
    static String target(String login, String node) {
        if (login == null) {
            return node;
        }
        return node == null ? login : login + "@" + node;
    }

    /**
     * One line per event: time, seq, type, outcome, then {@code key=value} fields. When the events
     * come from more than one chain (several instances on one PostgreSQL store), each line also
     * names its chain ({@code chain=ID}), since each chain counts its seq from 1.
     */
    public static String eventsText(List<StoredEvent> events) {
        StringBuilder b = new StringBuilder();
        boolean chains = events.stream().map(StoredEvent::chainId).distinct().limit(2).count() > 1;
        for (StoredEvent e : events) {
            var ev = e.event();
            b.append(ev.time()).append("  ").append(e.seq()).append("  ").append(escape(ev.type())).append("  ")
                    .append(escape(ev.outcome()));
            if (chains) {
                append(b, "chain", e.chainId());
            }
            append(b, "user", ev.user());
            append(b, "target", target(ev.login(), ev.node()));
            append(b, "session", ev.sessionId());
            append(b, "serial", ev.certSerial());
            append(b, "grant", ev.grantId());
            append(b, "from", ev.source());
            ev.details().forEach((k, v) -> append(b, k, v));
            b.append('\n');
        }
        return b.toString();
    }

    /**
     * {@code key=value}; a value that holds a blank, {@code =} or {@code "} is shown in double quotes
     * (with {@code \"} inside), so a value such as {@code x  user=bob} cannot pass for another field.
     */
    private static void append(StringBuilder b, String key, Object value) {
        if (value != null) {
            b.append("  ").append(field(key)).append('=').append(field(String.valueOf(value)));
        }
    }

    private static String field(String text) {
        String shown = escape(text);
        if (shown.isEmpty() || shown.chars().anyMatch(c -> c == ' ' || c == '=' || c == '"' || Character.isWhitespace(c)
                || Character.isSpaceChar(c))) {
            return '"' + shown.replace("\"", "\\\"") + '"';
        }
        return shown;
    }

    /**
     * A field from outside as one safe line: the {@link Printable} rule (controls, C1, bidi,
     * zero-width and other invisible characters escaped; backslash doubled). Null stays null.
     */
    public static String escape(String s) {
        return Printable.escape(s);
    }

    /**
     * A whole output made safe for a terminal, line breaks kept: every code point {@link Printable}
     * would escape, except {@code \n}, is escaped. The safety net behind the per-field
     * {@link #escape}; backslashes are left alone, so already escaped fields are not escaped twice.
     */
    public static String terminalSafe(String text) {
        return Printable.escapeKeepingLines(text);
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /** A JSON document as one ASCII line (see the class comment). */
    public static String write(com.fasterxml.jackson.databind.JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static String str(Instant t) {
        return t == null ? null : t.toString();
    }
}
