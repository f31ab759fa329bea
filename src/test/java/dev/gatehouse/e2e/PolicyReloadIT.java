package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Threat: a policy edit that is broken silently opens access (or drops every live session), and a
 * user removed from access keeps getting in until someone restarts the gateway.
 */
class PolicyReloadIT extends GatewayTest {

    @Test
    void aBrokenPolicyIsRejectedWithItsLineAndAGoodOneAppliesWithoutDroppingSessions() throws Exception {
        Path file = gw.dir().resolve("policy.yaml");
        String original = Keys.read(file);
        CompletableFuture<Proc.Result> live = CompletableFuture.supplyAsync(
                () -> gw.ssh(gw.alice(), Gateway.TARGET, "sleep 6; echo still-alive"));
        NodeSshd.sleep(1500);

        gw.writePolicy(original + "\nroles: [this is not a mapping\n");
        JsonNode rejected = gw.awaitEvent("a rejected reload", e -> Json.type("config.reload").test(e)
                && "failure".equals(Json.text(e, "outcome")));
        assertThat(rejected.path("details").path("reason").asText()).contains("policy.yaml:");
        assertThat(gw.log()).contains("policy reload rejected").contains("policy.yaml:");
        Proc.Result stillAllowed = gw.ssh(gw.alice(), Gateway.TARGET, "echo old-policy-kept");
        assertThat(stillAllowed.exit()).as(stillAllowed.describe()).isZero();

        String aliceDisabled = original.replaceFirst("(?m)^(    roles: \\[engineer\\])$", "$1\n    disabled: true");
        assertThat(aliceDisabled).isNotEqualTo(original);
        gw.writePolicy(aliceDisabled);
        gw.awaitEvent("an applied reload", e -> Json.type("config.reload").test(e) && "success".equals(Json.text(e, "outcome")));
        Proc.Result refused = gw.ssh(gw.alice(), Gateway.TARGET, "echo should-not-run");
        assertThat(refused.exit()).as(refused.describe()).isNotZero();
        assertThat(refused.stdout()).doesNotContain("should-not-run");

        Proc.Result first = live.get(60, TimeUnit.SECONDS);
        assertThat(first.exit()).as("the session open during both reloads ran to its end: " + first.describe()).isZero();
        assertThat(first.stdout()).contains("still-alive");

        gw.writePolicy(original);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Proc.Result back;
        do {
            back = gw.ssh(gw.alice(), Gateway.TARGET, "echo back");
        } while (back.exit() != 0 && System.nanoTime() < deadline);
        assertThat(back.exit()).as(back.describe()).isZero();
    }
}
