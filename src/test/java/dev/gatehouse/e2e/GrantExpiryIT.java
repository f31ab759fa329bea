package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static dev.gatehouse.e2e.Elevations.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Time ends access on its own: a grant's live sessions are warned and then cut at the window's end,
 * and a request nobody decides on expires. The gateway runs with {@code pending_timeout: 4s}.
 */
class GrantExpiryIT extends GatewayTest {
    @Override
    Gateway.Options options() {
        return Elevations.options(false).config("elevation:\n  pending_timeout: 4s");
    }

    /** Threat: an elevated session outlives its grant because nobody remembers to end it. */
    @Test
    void aLiveElevatedSessionIsWarnedThenCutWhenTheGrantEnds() {
        JsonNode grant = Elevations.activeGrant(gw, "10s");
        String id = Json.text(grant, "id");
        Instant end = Elevations.instant(grant, "window_end");
        assertThat(Duration.between(Elevations.instant(grant, "window_start"), end)).isEqualTo(Duration.ofSeconds(10));
        String warning = "gatehouse: your elevated access (grant " + id + ") ends in ";
        try (LiveSsh live = LiveSsh.open(gw, gw.alice(), ELEVATED)) {
            live.awaitStderr(warning, Duration.ofSeconds(5));
            assertThat(live.isAlive()).as("warned, not yet cut\n" + live.describe()).isTrue();
            int exit = live.awaitExit(Duration.ofSeconds(30));
            Instant exitedAt = Instant.now().minusNanos(System.nanoTime() - live.exitedAtNanos());
            assertThat(exitedAt).as("cut at the grant's end " + end + ", not before\n" + live.describe())
                    .isAfterOrEqualTo(end.minusMillis(500));
            assertThat(exitedAt).as("cut within 2 s of the grant's end " + end + "\n" + live.describe())
                    .isBeforeOrEqualTo(end.plusSeconds(2));
            assertThat(exit).as(live.describe()).isEqualTo(255);
            String ended = "gatehouse: your elevated access (grant " + id + ") has ended";
            assertThat(live.stderr()).contains(ended);
            assertThat(live.stderr().indexOf(warning)).as("the warning comes first\n" + live.describe())
                    .isLessThan(live.stderr().indexOf(ended));
        }
        assertRefused(gw.ssh(gw.alice(), ELEVATED, "id -un"), "no active grant for login 'mlops' on node 'gpu-node-1'");
        JsonNode after = Elevations.requestAs(gw, gw.alice(), id);
        assertThat(Json.text(after, "state")).isEqualTo("ended");
        assertThat(Elevations.grants(gw, gw.alice())).extracting(g -> Json.text(g, "id")).doesNotContain(id);

        gw.awaitEvent("session.warned under " + id,
                e -> Json.type("session.warned").test(e) && id.equals(Json.text(e, "grant_id")));
        gw.awaitEvent("grant.ended for " + id, e -> Json.type("grant.ended").test(e) && id.equals(Json.text(e, "grant_id")));
        JsonNode issued = gw.awaitEvent("cert.issued under " + id,
                e -> Json.type("cert.issued").test(e) && id.equals(Json.text(e, "grant_id")));
        assertThat(Instant.parse(Json.detail(issued, "valid_before"))).as("certificate never outlives the grant")
                .isBeforeOrEqualTo(end);
    }

    /** Threat: a stale request is approved long after its reason has gone. */
    @Test
    void aPendingRequestExpiresAndCanNoLongerBeApproved() {
        String id = Elevations.request(gw, gw.alice(), ELEVATED, "30m");
        JsonNode pending = Elevations.requestAs(gw, gw.alice(), id);
        assertThat(Duration.between(Elevations.instant(pending, "created"), Elevations.instant(pending, "pending_until")))
                .isEqualTo(Duration.ofSeconds(4));
        NodeSshd.sleep(Math.max(0, Duration.between(Instant.now(), Elevations.instant(pending, "pending_until")).toMillis()) + 1200);
        assertThat(Json.text(Elevations.requestAs(gw, gw.alice(), id), "state")).isEqualTo("expired");
        assertRefused(Elevations.approve(gw, gw.user("bob"), id), "request has expired");
        assertRefused(gw.ssh(gw.alice(), ELEVATED, "id -un"), "no active grant");
        gw.awaitEvent("request.expired for " + id,
                e -> Json.type("request.expired").test(e) && id.equals(Json.text(e, "grant_id")));
        Proc.Result verify = gw.cli("audit", "verify");
        assertThat(verify.exit()).as(verify.describe()).isZero();
    }
}
