package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Driving just-in-time elevation through the gateway shell, as people do: request, approve,
 * list, revoke; and reading refusals. The gateway runs {@link GatewayFiles#elevationPolicy}.
 */
final class Elevations {
    /** The SSH user name of an elevated login on gpu-node-1. */
    static final String ELEVATED = Accounts.MLOPS + "@" + Gateway.NODE;
    private static final Pattern REQUEST_ID = Pattern.compile("(r-[A-Za-z0-9]+)\\s*$");

    private Elevations() {}

    /** Gateway options for the two-tenant elevation policy (bob, erin and frank get keys). */
    static Gateway.Options options(boolean totp) {
        return new Gateway.Options().users(GatewayFiles.ELEVATION_USERS)
                .policy(gw -> GatewayFiles.elevationPolicy(gw, totp));
    }

    /** {@code request SPEC --for DURATION --reason ...} as {@code user}; returns the id (last word of the output). */
    static String request(Gateway gw, Gateway.User user, String spec, String duration) {
        Proc.Result r = gw.shell(user, "request " + spec + " --for " + duration + " --reason 'e2e: restart the gpu driver'")
                .requireSuccess();
        assertThat(r.stdout().strip().lines().count()).as("one line\n" + r.describe()).isEqualTo(1);
        Matcher m = REQUEST_ID.matcher(r.stdout().strip());
        assertThat(m.find()).as("the request id is the last word\n" + r.describe()).isTrue();
        return m.group(1);
    }

    static Proc.Result approve(Gateway gw, Gateway.User approver, String id) {
        return gw.shell(approver, "approve " + id + " --comment 'e2e: ok'");
    }

    /** Requests alice's elevation to mlops@gpu-node-1 and has bob approve it; returns the active request. */
    static JsonNode activeGrant(Gateway gw, String duration) {
        String id = request(gw, gw.alice(), ELEVATED, duration);
        approve(gw, gw.user("bob"), id).requireSuccess();
        JsonNode r = requestAs(gw, gw.alice(), id);
        assertThat(Json.text(r, "state")).as(r.toString()).isEqualTo("active");
        return r;
    }

    /** {@code requests --json} as {@code user}. */
    static List<JsonNode> requests(Gateway gw, Gateway.User user) {
        return Json.array(gw.shell(user, "requests --json").requireSuccess());
    }

    /** {@code grants --json} as {@code user}. */
    static List<JsonNode> grants(Gateway gw, Gateway.User user) {
        return Json.array(gw.shell(user, "grants --json").requireSuccess());
    }

    /** The request {@code id} as {@code user} sees it in {@code requests --json}; fails when invisible. */
    static JsonNode requestAs(Gateway gw, Gateway.User user, String id) {
        List<JsonNode> all = requests(gw, user);
        return all.stream().filter(r -> id.equals(Json.text(r, "id"))).findFirst()
                .orElseThrow(() -> new AssertionError(user.name() + " does not see request " + id + " in\n" + all));
    }

    static Instant instant(JsonNode request, String field) {
        String text = Json.text(request, field);
        assertThat(text).as(field + " of " + request).isNotEmpty();
        return Instant.parse(text);
    }

    /**
     * A refusal in the contract's shape: exit 1, nothing on stdout, exactly one stderr line,
     * {@code gatehouse: ...}, containing {@code expected}.
     */
    static void assertRefused(Proc.Result r, String expected) {
        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        assertThat(r.stdout()).as(r.describe()).isEmpty();
        List<String> lines = r.stderr().strip().lines().toList();
        assertThat(lines).as("one stderr line\n" + r.describe()).hasSize(1);
        assertThat(lines.get(0)).as(r.describe()).startsWith("gatehouse: ").contains(expected);
    }
}
