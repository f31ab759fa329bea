package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md invariant 7 with the real OpenSSH client: holding someone's public key (which is
 * public) and asking the gateway whether it would accept it proves nothing, logs nobody in and
 * is recorded as what it is.
 */
class KeyQueryIT extends GatewayTest {
    /**
     * Threat: with nothing but alice's published public key, a client asks "would you accept this
     * key?", gets yes, and the gateway records alice as logged in.
     */
    @Test
    void alicesPublicKeyWithoutHerPrivateKeyLogsNobodyIn() throws IOException {
        Path publicOnly = Files.createDirectories(gw.dir().resolve("public-only")).resolve("alice.pub");
        Files.copy(gw.alice().key().resolveSibling("alice.pub"), publicOnly);
        String fingerprint = Proc.run("ssh-keygen", "-l", "-E", "sha256", "-f", publicOnly.toString()).requireSuccess()
                .stdout().split("\\s+")[1];
        List<JsonNode> before = gw.auditLog();

        Proc.Result r = gw.ssh(new Gateway.User("alice", publicOnly), "alice", "whoami");

        assertThat(r.exit()).as(r.describe()).isEqualTo(255);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).contains("Permission denied");
        gw.awaitEvent("an event about alice's key", e -> fingerprint.equals(Json.detail(e, "key"))
                && Json.since(before, List.of(e)).size() == 1);
        List<JsonNode> after = Json.since(before, gw.auditLog());
        assertThat(Json.filter(after, e -> Json.type("auth.success").test(e) || Json.type("auth.partial").test(e)))
                .as("no success for anyone:\n" + Json.tail(after, 10)).isEmpty();
        assertThat(Json.filter(after, e -> fingerprint.equals(Json.detail(e, "key")))).singleElement().satisfies(query -> {
            assertThat(Json.text(query, "type")).isEqualTo("auth.query");
            assertThat(Json.text(query, "outcome")).isEqualTo("accepted");
            assertThat(Json.text(query, "user")).as("a query names nobody: " + query).isEmpty();
        });
    }

    /**
     * Threat: OpenSSH asks about each key it holds in turn, so a key the gateway does not know,
     * offered before the owner's own, counts as a failure against the source and after ten
     * logins in a minute locks the owner (and everyone behind the same address) out.
     */
    @Test
    void anUnknownKeyOfferedFirstDoesNotLockOutItsOwner() {
        List<JsonNode> before = gw.auditLog();
        for (int i = 1; i <= 12; i++) {
            Proc.Result r = gw.ssh(gw.stranger(), "alice", "whoami", "-i", gw.alice().key().toString());
            assertThat(r.exit()).as("login %d: %s", i, r.describe()).isZero();
            assertThat(r.stdout()).contains("alice");
        }
        List<JsonNode> after = Json.since(before, gw.auditLog());
        for (int polls = 0; Json.filter(after, Json.type("auth.success")).size() < 12 && polls < 60; polls++) {
            NodeSshd.sleep(300); // the recorder writes asynchronously
            after = Json.since(before, gw.auditLog());
        }
        assertThat(Json.filter(after, Json.type("auth.success"))).hasSize(12);
        assertThat(Json.filter(after, Json.type("auth.throttled"))).as(Json.tail(after, 10)).isEmpty();
        assertThat(Json.filter(after, Json.type("auth.failure"))).as("the unknown key, refused and recorded each time").hasSize(12)
                .allSatisfy(e -> assertThat(Json.detail(e, "request")).isEqualTo("query"));
    }
}
