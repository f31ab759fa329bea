package dev.gatehouse.gateway.ops;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gatehouse.policy.Printable;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.StoredEvent;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * Formats a stored audit event as one RFC 5424 syslog message, and frames it by octet counting
 * (RFC 6587 section 3.4.1, the framing RFC 5425 prescribes for TLS).
 *
 * <p>Shape: {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [gatehouse@32473 chain=".."
 * seq=".." hash=".." prev_hash=".." outcome=".." ...] {json}}. MSGID is the event type; the
 * structured data carries the chain position (so a collector can resume and verify) and the R12
 * fields; MSG is the whole event as one line of JSON with every character outside printable
 * ASCII escaped ({@code \\uXXXX}), so no text from outside reaches a receiver's terminal or file
 * as a control sequence or a line break. SD-PARAM values escape {@code "}, {@code \\} and
 * {@code ]} (RFC 5424 section 6.3.3) after {@link Printable#escape}. 32473 is the private
 * enterprise number RFC 5612 reserves for documentation: Gatehouse has none of its own.
 */
final class Rfc5424 {
    /** The structured-data element's id. */
    static final String SD_ID = "gatehouse@32473";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Set<String> NOTICE = Set.of("failure", "denied", "refused", "throttled", "interrupted");
    private static final JsonMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private final String hostname;
    private final String appName;
    private final String procId;
    private final int facility;

    /**
     * @param hostname this host's name (RFC 5424 HOSTNAME; {@code -} when not printable ASCII)
     * @param appName APP-NAME, 1..48 printable ASCII
     * @param procId PROCID (the process id)
     * @param facility 0..23
     */
    Rfc5424(String hostname, String appName, String procId, int facility) {
        this.hostname = token(hostname, 255);
        this.appName = token(appName, 48);
        this.procId = token(procId, 128);
        this.facility = facility;
    }

    /** Severity 5 (notice) for refusals and failures, 6 (informational) for the rest. */
    static int severity(AuditEvent event) {
        return NOTICE.contains(event.outcome()) ? 5 : 6;
    }

    /** The message, without framing. */
    String message(StoredEvent stored) {
        AuditEvent e = stored.event();
        StringBuilder b = new StringBuilder(512);
        b.append('<').append(facility * 8 + severity(e)).append(">1 ").append(TIME.format(e.time())).append(' ')
                .append(hostname).append(' ').append(appName).append(' ').append(procId).append(' ')
                .append(token(e.type(), 32)).append(" [").append(SD_ID);
        param(b, "chain", stored.chainId());
        param(b, "seq", Long.toString(stored.seq()));
        param(b, "hash", stored.hash());
        param(b, "prev_hash", stored.prevHash());
        param(b, "outcome", e.outcome());
        param(b, "source", e.source());
        param(b, "user", e.user());
        param(b, "node", e.node());
        param(b, "login", e.login());
        param(b, "cert_serial", e.certSerial() == null ? null : Long.toUnsignedString(e.certSerial()));
        param(b, "grant", e.grantId());
        param(b, "session", e.sessionId());
        b.append("] ").append(json(e));
        return b.toString();
    }

    /** {@code LEN SP MSG}: octet-counting framing, LEN the message's length in UTF-8 bytes. */
    static byte[] frame(String message) {
        byte[] msg = message.getBytes(StandardCharsets.UTF_8);
        byte[] len = (msg.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[len.length + msg.length];
        System.arraycopy(len, 0, out, 0, len.length);
        System.arraycopy(msg, 0, out, len.length, msg.length);
        return out;
    }

    private static void param(StringBuilder b, String name, String value) {
        if (value == null) {
            return;
        }
        b.append(' ').append(name).append("=\"");
        String safe = Printable.escape(value);
        for (int i = 0; i < safe.length(); i++) {
            char c = safe.charAt(i);
            if (c == '"' || c == '\\' || c == ']') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }

    /** A header field: printable ASCII without spaces, at most {@code max} characters, or {@code -}. */
    static String token(String value, int max) {
        if (value == null || value.isEmpty()) {
            return "-";
        }
        StringBuilder b = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && b.length() < max; i++) {
            char c = value.charAt(i);
            b.append(c >= 33 && c <= 126 ? c : '_');
        }
        return b.toString();
    }

    private static String json(AuditEvent e) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", e.type());
            g.writeStringField("time", TIME.format(e.time()));
            g.writeStringField("outcome", e.outcome());
            field(g, "source", e.source());
            field(g, "user", e.user());
            field(g, "node", e.node());
            field(g, "login", e.login());
            if (e.certSerial() != null) {
                g.writeStringField("cert_serial", Long.toUnsignedString(e.certSerial()));
            }
            field(g, "grant_id", e.grantId());
            field(g, "session_id", e.sessionId());
            g.writeObjectFieldStart("details");
            for (var d : e.details().entrySet()) {
                g.writeStringField(d.getKey(), d.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toString();
    }

    private static void field(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }
}
