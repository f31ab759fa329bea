package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Threat: a policy edit that is broken silently opens access (or drops every live session), and a
 * user removed from access keeps working, in new sessions or in the ones already open, until
 * someone restarts the gateway (R28).
 */
class PolicyReloadIT extends GatewayTest {

    @Test
    void aBrokenPolicyIsRejectedWithItsLineAndAGoodOneAppliesWithoutDroppingSessions() throws Exception {
        Path file = gw.dir().resolve("policy.yaml");
        String original = Keys.read(file);
        CompletableFuture<Proc.Result> live = CompletableFuture.supplyAsync(
                () -> gw.ssh(gw.alice(), Gateway.TARGET, "sleep 15; echo still-alive"));
        gw.awaitEvent("the session started", e -> Json.type("session.start").test(e)
                && Json.detail(e, "command").contains("still-alive"));

        gw.writePolicy(original + "\nroles: [this is not a mapping\n");
        JsonNode rejected = gw.awaitEvent("a rejected reload", e -> Json.type("config.reload").test(e)
                && "failure".equals(Json.text(e, "outcome")));
        assertThat(rejected.path("details").path("reason").asText()).contains("policy.yaml:");
        assertThat(gw.log()).contains("policy reload rejected").contains("policy.yaml:");
        Proc.Result stillAllowed = gw.ssh(gw.alice(), Gateway.TARGET, "echo old-policy-kept");
        assertThat(stillAllowed.exit()).as(stillAllowed.describe()).isZero();

        long applied = Json.count(gw.auditLog(), PolicyReloadIT::appliedReload);
        gw.writePolicy(original + "\n# a reload that takes nothing away\n");
        gw.awaitEvent("an applied reload", e -> Json.count(gw.auditLog(), PolicyReloadIT::appliedReload) > applied);
        assertThat(live).as("the reload happened while the session ran").isNotDone();

        Proc.Result first = live.get(60, TimeUnit.SECONDS);
        assertThat(first.exit()).as("the session open during both reloads ran to its end: " + first.describe()).isZero();
        assertThat(first.stdout()).contains("still-alive");
        gw.writePolicy(original);
    }

    @Test
    void disablingAUserEndsTheirOpenSessionWithinTwoSecondsAndRefusesNewOnes() throws Exception {
        String original = Keys.read(gw.dir().resolve("policy.yaml"));
        String aliceDisabled = original.replaceFirst("(?m)^(    roles: \\[engineer\\])$", "$1\n    disabled: true");
        assertThat(aliceDisabled).isNotEqualTo(original);
        try (LiveSsh live = LiveSsh.open(gw, gw.alice(), Gateway.TARGET)) {
            long reloaded = System.nanoTime();
            gw.writePolicy(aliceDisabled);
            int exit = live.awaitExit(java.time.Duration.ofSeconds(30));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(live.exitedAtNanos() - reloaded);
            assertThat(exit).as(live.describe()).isEqualTo(255);
            assertThat(live.stderr()).contains("gatehouse: your access was removed: user 'alice' is disabled");
            // the policy file is polled once a second, then enforcement is immediate: 2 s after it is read
            assertThat(tookMs).as("ended %d ms after the file was written", tookMs).isLessThan(3_500);
        }
        JsonNode removed = gw.awaitEvent("the removal", Json.type("access.removed"));
        assertThat(Json.detail(removed, "reason")).isEqualTo("user 'alice' is disabled");

        Proc.Result refused = gw.ssh(gw.alice(), Gateway.TARGET, "echo should-not-run");
        assertThat(refused.exit()).as(refused.describe()).isNotZero();
        assertThat(refused.stdout()).doesNotContain("should-not-run");

        gw.writePolicy(original);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Proc.Result back;
        do {
            back = gw.ssh(gw.alice(), Gateway.TARGET, "echo back");
        } while (back.exit() != 0 && System.nanoTime() < deadline);
        assertThat(back.exit()).as(back.describe()).isZero();
    }

    private static boolean appliedReload(JsonNode e) {
        return Json.type("config.reload").test(e) && "success".equals(Json.text(e, "outcome"));
    }
}
