package dev.gatehouse.gateway.shell;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.recorder.SessionSummary;
import dev.gatehouse.recorder.StoredEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Text and JSON renderings of listings, shared by the gateway shell and the local CLI. */
public final class Views {
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);

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
        return array.toString();
    }

    public static String sessionsTable(List<SessionSummary> sessions) {
        StringBuilder b = new StringBuilder(String.format("%-26s  %-20s  %-12s  %-30s  %-5s  %-9s  %s%n",
                "ID", "START", "USER", "TARGET", "KIND", "STATUS", "COMMAND"));
        for (SessionSummary s : sessions) {
            String status = s.end() == null ? "running" : s.exitStatus() != null ? "exit " + s.exitStatus() : String.valueOf(s.outcome());
            b.append(String.format("%-26s  %-20s  %-12s  %-30s  %-5s  %-9s  %s%n", s.id(),
                    s.start() == null ? "" : s.start().toString().replaceFirst("\\.\\d+Z$", "Z"), s.user(),
                    s.login() + "@" + s.node(), s.kind(), status, s.command() == null ? "" : oneLine(s.command())));
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
        return array.toString();
    }

    public static String eventsText(List<StoredEvent> events) {
        StringBuilder b = new StringBuilder();
        for (StoredEvent e : events) {
            var ev = e.event();
            b.append(ev.time()).append("  ").append(e.seq()).append("  ").append(ev.type()).append("  ").append(ev.outcome());
            append(b, "user", ev.user());
            append(b, "target", ev.login() == null && ev.node() == null ? null : ev.login() + "@" + ev.node());
            append(b, "session", ev.sessionId());
            append(b, "serial", ev.certSerial());
            append(b, "from", ev.source());
            ev.details().forEach((k, v) -> append(b, k, oneLine(v)));
            b.append('\n');
        }
        return b.toString();
    }

    private static void append(StringBuilder b, String key, Object value) {
        if (value != null) {
            b.append("  ").append(key).append('=').append(value);
        }
    }

    /** Control characters shown escaped so a stored value cannot drive the reader's terminal. */
    public static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    public static ObjectMapper json() {
        return JSON;
    }

    private static String str(Instant t) {
        return t == null ? null : t.toString();
    }
}
