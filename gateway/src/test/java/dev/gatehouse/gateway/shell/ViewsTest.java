package dev.gatehouse.gateway.shell;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.policy.Printable;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.SessionSummary;
import dev.gatehouse.recorder.StoredEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Threat: a value an attacker chose (a refused login name, an exec command, a reason) is printed
 * raw by a listing and drives the auditor's terminal: ESC and C1 sequences, an OSC 52 clipboard
 * write, CR to overwrite the line, bidi overrides and zero-width characters to disguise it.
 */
class ViewsTest {
    private static final String HOSTILE = "x\u001b]52;c;cm0gLXJmIH4=\u0007\r\u0000\u009b2J\u202eexe.txt\u200b\u2066y";
    private static final Instant T = Instant.parse("2026-11-29T10:00:00Z");

    @Test
    void everyFieldOfTheSessionsTableIsEscaped() {
        String table = Views.sessionsTable(List.of(new SessionSummary("01abc", HOSTILE, HOSTILE, HOSTILE, "exec", HOSTILE,
                HOSTILE, T, null, null, null)));
        assertThat(Printable.firstUnsafe(table.replace("\n", ""))).as(table).isEqualTo(-1);
        assertThat(table).contains(Printable.escape(HOSTILE));
    }

    @Test
    void everyFieldOfTheAuditLogTextIsEscaped() {
        AuditEvent e = AuditEvent.of("session.denied", T, "denied").withUser(HOSTILE).withSource(HOSTILE)
                .withTarget(HOSTILE, HOSTILE).withSessionId(HOSTILE).withGrantId(HOSTILE).with("ssh_user", HOSTILE)
                .with(HOSTILE, "key from outside");
        String text = Views.eventsText(List.of(new StoredEvent("gw-1", 7, e, "0".repeat(64), "1".repeat(64))));
        assertThat(Printable.firstUnsafe(text.replace("\n", ""))).as(text).isEqualTo(-1);
        assertThat(text).contains("ssh_user=\"" + Printable.escape(HOSTILE) + "\"");
    }

    @Test
    void jsonStaysExactAndIsStillSafeOnATerminal() throws Exception {
        AuditEvent e = AuditEvent.of("session.denied", T, "denied").withUser("alice").with("ssh_user", HOSTILE);
        String json = Views.eventsJson(List.of(new StoredEvent("gw-1", 7, e, "0".repeat(64), "1".repeat(64))));
        assertThat(json).as("ASCII only: \\uXXXX escapes for everything else").matches("\\p{ASCII}*");
        assertThat(json).doesNotContain("\u001b").doesNotContain("\r");
        JsonNode parsed = new ObjectMapper().readTree(json);
        assertThat(parsed.get(0).path("details").path("ssh_user").asText()).as("values are exact").isEqualTo(HOSTILE);
    }

    @Test
    void terminalSafeKeepsLineBreaksAndEscapesTheRest() {
        assertThat(Views.terminalSafe("a\nb\u001b[2J\u202e\\x")).isEqualTo("a\nb\\x1b[2J\\u202e\\x");
        assertThat(Views.terminalSafe("plain\n")).isEqualTo("plain\n");
    }

    @Test
    void eventsOfSeveralChainsNameTheirChainSinceEachCountsFromOne() {
        // two instances on one PostgreSQL: seq 3 of gw-a and seq 3 of gw-b are different events
        AuditEvent e = AuditEvent.of("session.start", T, "ok").withUser("alice");
        String two = Views.eventsText(List.of(new StoredEvent("gw-a", 3, e, "0".repeat(64), "1".repeat(64)),
                new StoredEvent("gw-b", 3, e, "0".repeat(64), "1".repeat(64))));
        assertThat(two.lines()).hasSize(2).anySatisfy(l -> assertThat(l).contains("  3  session.start  ok  chain=gw-a"))
                .anySatisfy(l -> assertThat(l).contains("  3  session.start  ok  chain=gw-b"));
        String one = Views.eventsText(List.of(new StoredEvent("gw-a", 3, e, "0".repeat(64), "1".repeat(64))));
        assertThat(one).doesNotContain("chain=");
    }

    @Test
    void aValueCannotPassForAnotherField() {
        // Threat: a reason of "x  user=bob" makes a line of the audit log read as if bob did it.
        AuditEvent e = AuditEvent.of("request.denied", T, "denied").withUser("mallory").with("reason", "x  user=bob \"y\"");
        String text = Views.eventsText(List.of(new StoredEvent("gw-1", 7, e, "0".repeat(64), "1".repeat(64))));
        assertThat(text).contains("reason=\"x  user=bob \\\"y\\\"\"");
    }
}
