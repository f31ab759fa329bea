package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code recording.streams: false}, the switch that measures what recording costs: session bytes
 * are not stored, but the gateway still audits every session and says at start that it does not
 * record streams.
 */
class RecordingStreamsOffIT extends GatewayTest {

    @Override
    Gateway.Options options() {
        return new Gateway.Options().eventsOnly();
    }

    @Test
    void sessionsAreAuditedButTheirBytesAreNotStored() {
        String marker = "not-stored-" + Keys.token();
        // the output says x42y where the command says x$((6*7))y: the command is metadata and kept
        String printed = marker + "-x42y";
        Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "echo " + marker + "-x$((6*7))y; echo " + marker + "-x$((6*7))y-err 1>&2")
                .requireSuccess();
        assertThat(r.stdout()).isEqualTo(printed + "\n");
        assertThat(r.stderr()).contains(printed + "-err");

        // Threat: with recording off, sessions vanish from the audit trail too. They must not.
        JsonNode session = gw.awaitEndedSession(marker);
        assertThat(session.toString()).contains("alice").contains(Accounts.AIOPS);
        JsonNode start = gw.awaitEvent("gateway.start", e -> "gateway.start".equals(Json.text(e, "type")));
        assertThat(start.toString()).contains("events-only");

        assertThat(gw.stop()).as("graceful stop\n" + gw.log()).isZero();
        Path db = gw.dataDir().resolve("audit.db");
        // the recording keeps its metadata (what ran, when); no chunk of the session's streams exists
        assertThat(Sqlite.exec(db, "SELECT group_concat(DISTINCT stream) FROM recording_chunks").trim()).isEqualTo("meta");
        assertThat(Sqlite.exec(db, "SELECT count(*) FROM recording_chunks WHERE instr(data, '" + printed + "') > 0").trim())
                .isEqualTo("0");
        assertThat(gw.log()).contains("recording.streams is false");
    }
}
