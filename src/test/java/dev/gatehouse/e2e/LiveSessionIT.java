package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Live sessions end to end, with the real OpenSSH client and a real sshd node: an admin lists the
 * gateway's live sessions and terminates one with a reason, which the user's {@code ssh} shows
 * before it exits 255. Threat: a session an admin must stop keeps running, the user is cut without
 * being told why, or another tenant's admin (or an auditor) stops it.
 */
class LiveSessionIT extends GatewayTest {
    @Override
    Gateway.Options options() {
        return Elevations.options(false);
    }

    @Test
    void anAdminTerminatesALiveSessionAndTheUsersSshShowsWhoAndWhy() {
        Gateway.User alice = gw.alice();
        Gateway.User bob = gw.user("bob");
        Gateway.User erin = gw.user("erin");
        Gateway.User frank = gw.user("frank");
        try (LiveSsh live = LiveSsh.open(gw, alice, Gateway.TARGET)) {
            String id = liveId(bob, alice.name());

            assertRefused(gw.shell(erin, "terminate " + id + " --reason nope"), "you need the admin permission to terminate sessions");
            // another tenant's admin: the session is not there for them
            assertThat(Json.array(gw.shell(frank, "live --json").requireSuccess())).as("only frank's own gateway shell")
                    .extracting(s -> Json.text(s, "user")).containsOnly("frank");
            assertRefused(gw.shell(frank, "terminate " + id + " --reason nope"), "no live session '" + id + "'");
            assertThat(live.isAlive()).as("no refusal touched the session\n" + live.describe()).isTrue();

            gw.shell(bob, "terminate " + id + " --reason 'e2e: runaway job on the gpu'").requireSuccess();
            int exit = live.awaitExit(Duration.ofSeconds(10));
            assertThat(exit).as(live.describe()).isEqualTo(255);
            assertThat(live.stderr()).contains("gatehouse: session terminated by bob: e2e: runaway job on the gpu");
        }
        JsonNode terminated = gw.awaitEvent("session.terminated", Json.type("session.terminated"));
        assertThat(Json.text(terminated, "user")).isEqualTo("bob");
        assertThat(Json.detail(terminated, "session_user")).isEqualTo("alice");
        assertThat(Json.detail(terminated, "reason")).isEqualTo("e2e: runaway job on the gpu");
        assertThat(gw.auditLog().stream().filter(Json.type("terminate.refused")).toList()).hasSize(2);
    }

    /** The id of {@code user}'s one live session, as {@code live --json} shows it to {@code admin}. */
    private String liveId(Gateway.User admin, String user) {
        List<JsonNode> live = Json.array(gw.shell(admin, "live --json").requireSuccess()).stream()
                .filter(s -> user.equals(Json.text(s, "user"))).toList();
        assertThat(live).as("live sessions of " + user).hasSize(1);
        assertThat(Json.text(live.get(0), "node")).isEqualTo(Gateway.NODE);
        return Json.text(live.get(0), "id");
    }
}
