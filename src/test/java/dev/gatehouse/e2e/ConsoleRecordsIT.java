package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An auditor's path through the console API on the real gateway: carol (auditor) takes an
 * api-token over ssh, finds alice's interactive session by a command she typed, downloads its
 * recording as asciicast v2 (verified first, audited as {@code recording.viewed}), reads the audit
 * log as JSON Lines the way a SIEM collector resumes, and runs verify.
 */
class ConsoleRecordsIT extends GatewayTest {

    @Override
    Gateway.Options options() {
        return new Gateway.Options().web();
    }

    private String token() {
        String[] lines = gw.shell(gw.carol(), "api-token --for 1h").requireSuccess().stdout().strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    @Test
    void anAuditorFindsReplaysAndExportsOverTheApi() {
        Web web = Web.of(gw);
        String bearer = "Authorization: Bearer " + token();
        String token = Keys.token();
        String id = SessionSearchIT.typedSession(gw, "echo api-needle-" + token + "-$((6*7))", "api-needle-" + token + "-42");

        Web.Response found = web.request(web.consoleUrl("/api/v1/sessions?kind=shell&q=api-needle-" + token), "-H", bearer);
        assertThat(found.status()).as(found.describe()).isEqualTo(200);
        JsonNode items = Json.parse(found.body()).get("items");
        assertThat(items).as(found.describe()).hasSize(1);
        assertThat(items.get(0).get("id").asText()).isEqualTo(id);
        assertThat(items.get(0).get("user").asText()).isEqualTo("alice");

        Web.Response cast = web.request(web.consoleUrl("/api/v1/sessions/" + id + "/recording?download=1"), "-H", bearer);
        assertThat(cast.status()).as(cast.describe()).isEqualTo(200);
        assertThat(cast.header("content-type")).startsWith("application/x-asciicast");
        assertThat(cast.header("content-disposition")).isEqualTo("attachment; filename=\"session-" + id + ".cast\"");
        Asciicast parsed = Asciicast.parse(cast.body());
        assertThat(parsed.header().path("version").asInt()).isEqualTo(2);
        assertThat(parsed.output()).contains("api-needle-" + token + "-42");
        JsonNode viewed = gw.awaitEvent("recording.viewed of " + id,
                e -> Json.type("recording.viewed").test(e) && Json.text(e, "session_id").equals(id));
        assertThat(Json.text(viewed, "user")).isEqualTo("carol");
        assertThat(Json.detail(viewed, "via")).isEqualTo("token");

        // A collector: two pages of JSON Lines, the second resumed after the last seq of the first.
        Web.Response page1 = web.request(web.consoleUrl("/api/v1/audit/events?after=0&limit=3"), "-H", bearer);
        assertThat(page1.header("content-type")).startsWith("application/x-ndjson");
        List<JsonNode> lines = page1.body().lines().map(Json::parse).toList();
        assertThat(lines).hasSize(3);
        long last = lines.get(2).get("seq").asLong();
        Web.Response page2 = web.request(web.consoleUrl("/api/v1/audit/events?after=" + last + "&limit=3"), "-H", bearer);
        JsonNode next = Json.parse(page2.body().lines().findFirst().orElseThrow());
        assertThat(lines.get(0).get("prev_hash").asText()).isEqualTo("0".repeat(64));
        assertThat(lines.get(1).get("prev_hash").asText()).isEqualTo(lines.get(0).get("hash").asText());
        assertThat(next.get("seq").asLong()).isEqualTo(last + 1);
        assertThat(next.get("prev_hash").asText()).isEqualTo(lines.get(2).get("hash").asText());

        Web.Response verify = web.request(web.consoleUrl("/api/v1/audit/verify"), "-X", "POST", "-H", bearer);
        assertThat(verify.status()).as(verify.describe()).isEqualTo(200);
        JsonNode result = Json.parse(verify.body());
        assertThat(result.get("ok").asBoolean()).as(verify.describe()).isTrue();
        assertThat(result.get("summary").asText()).contains("chain(s)");
        gw.awaitEvent("audit.verified by carol", e -> Json.type("audit.verified").test(e) && Json.text(e, "user").equals("carol"));
    }

    /** Threat: a user without the audit permission reads recordings through the API. */
    @Test
    void withoutTheAuditPermissionTheRecordsAreRefused() {
        Web web = Web.of(gw);
        String[] lines = gw.shell(gw.alice(), "api-token --for 1h").requireSuccess().stdout().strip().split("\n");
        Web.Response r = web.request(web.consoleUrl("/api/v1/sessions"), "-H",
                "Authorization: Bearer " + lines[lines.length - 1].strip());
        assertThat(r.status()).as(r.describe()).isEqualTo(403);
        assertThat(Json.parse(r.body()).get("error").asText()).isEqualTo("forbidden");
    }
}
