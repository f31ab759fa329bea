package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shell's {@code api-token}, {@code api-tokens} and {@code api-token revoke} on a whole
 * in-process gateway, its token used against the gateway's own HTTPS listener as wired by
 * {@link WebWiring} (the console API with the command pool, the stored tokens, the access endpoints).
 */
class ApiTokenCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Function<Map<String, String>, String> POLICY = keys -> """
            users:
              - {name: alice, keys: ["%s"], roles: [engineer]}
              - {name: bob, keys: ["%s"], roles: [engineer]}
            nodes:
              - {name: gpu-node-1, address: "127.0.0.1:9", host_key: "%s", labels: {tenant: team-a}}
            roles:
              - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
            """.formatted(keys.get("alice"), keys.get("bob"), keys.get("alice"));

    @TempDir Path dir;
    InProcessGateway gw;
    HttpClient client;

    @BeforeEach
    void start() throws Exception {
        gw = InProcessGateway.start(dir, Clock.systemUTC(), "", POLICY, "alice", "bob");
        client = HttpClient.newBuilder().sslContext(gw.tlsClient(null)).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    HttpResponse<String> whoami(String token) throws Exception {
        int port = gw.gateway().webAddress().orElseThrow().getPort();
        return client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/api/v1/whoami"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTokenFromTheShellCallsTheApiUntilItIsRevoked() throws Exception {
        InProcessGateway.Result issued = gw.exec("alice", "api-token --for 30m --name laptop");
        assertThat(issued.status()).as(issued.stderr()).isZero();
        List<String> lines = issued.stdout().strip().lines().toList();
        String token = lines.get(lines.size() - 1);
        assertThat(token.split("\\.")).hasSize(3);
        assertThat(lines.get(0)).contains("api-token revoke t-");

        HttpResponse<String> who = whoami(token);
        assertThat(who.statusCode()).as(who.body()).isEqualTo(200);
        assertThat(JSON.readTree(who.body()).get("user").asText()).isEqualTo("alice");
        assertThat(JSON.readTree(who.body()).get("via").asText()).isEqualTo("token");

        InProcessGateway.Result listed = gw.exec("alice", "api-tokens --json");
        JsonNode mine = JSON.readTree(listed.stdout());
        assertThat(mine).hasSize(1);
        String id = mine.get(0).get("id").asText();
        assertThat(mine.get(0).get("name").asText()).isEqualTo("laptop");
        assertThat(mine.get(0).get("state").asText()).isEqualTo("valid");
        assertThat(JSON.readTree(gw.exec("bob", "api-tokens --json").stdout())).as("only your own").isEmpty();
        InProcessGateway.Result foreign = gw.exec("bob", "api-token revoke " + id);
        assertThat(foreign.status()).isEqualTo(1);
        assertThat(foreign.stderr()).contains("no API token '" + id + "'");

        InProcessGateway.Result revoked = gw.exec("alice", "api-token revoke " + id);
        assertThat(revoked.status()).as(revoked.stderr()).isZero();
        assertThat(revoked.stdout()).contains("revoked " + id);
        assertThat(whoami(token).statusCode()).isEqualTo(401);
        assertThat(gw.events("api.token.issued")).hasSize(1);
        assertThat(gw.events("api.token.revoked")).hasSize(1);
        assertThat(gw.exec("alice", "api-tokens").stdout()).contains(id).contains("revoked").contains("laptop");
    }

    @Test
    void badRequestsAreOneLineRefusals() throws Exception {
        for (String command : List.of("api-token", "api-token --for 25h", "api-token --for soon", "api-token --for 1h extra",
                "api-token revoke", "api-token revoke t-nothing", "api-tokens extra")) {
            InProcessGateway.Result r = gw.exec("alice", command);
            assertThat(r.status()).as(command).isEqualTo(1);
            assertThat(r.stdout()).as(command).isEmpty();
            assertThat(r.stderr().strip().lines()).as(command).hasSize(1).allSatisfy(l -> assertThat(l).startsWith("gatehouse: "));
        }
        assertThat(gw.events("api.token.issued")).isEmpty();
        assertThat(gw.exec("alice", "help").stdout()).contains("api-token --for 1h");
    }
}
