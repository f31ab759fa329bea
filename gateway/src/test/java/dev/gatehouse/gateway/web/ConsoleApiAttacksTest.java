package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.gateway.web.console.ConsoleHeaders;
import dev.gatehouse.policy.PolicyLoader;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the console's front controller that the review of issue 12 tried beyond the first
 * review's: credentials that should have stopped working, credentials in the wrong place, method
 * and media-type tricks on state-changing routes, and what error answers carry. Each test names
 * its threat; over the real HTTPS listener ({@link ConsoleHarness}).
 */
class ConsoleApiAttacksTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String REQUEST = "{\"login\": \"mlops\", \"node\": \"gpu-node-1\", \"duration\": \"1h\"}";

    @TempDir
    Path dir;
    ConsoleHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new ConsoleHarness(dir);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    HttpResponse<String> whoami(String token) throws Exception {
        return h.send(h.request("/api/v1/whoami").header("Authorization", "Bearer " + token));
    }

    String csrf(String cookie) throws Exception {
        return JSON.readTree(h.send(h.request("/api/v1/whoami").header("Cookie", cookie)).body()).get("csrf_token").asText();
    }

    /** Threat: a token outlives the access it was issued under (user removed, disabled, key replaced). */
    @Test
    void aTokenStopsWhenItsUserIsRemovedDisabledOrTheirKeyIsReplaced() throws Exception {
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        assertThat(whoami(token).statusCode()).isEqualTo(200);
        String policy = h.policy();
        String alice = "  - {name: alice, keys: [\"" + h.line("alice") + "\"], roles: [engineer], tenant: team-a}\n";
        assertThat(policy).contains(alice);
        String newKey = dev.gatehouse.pki.SshKeys.toLine(dev.gatehouse.pki.SshKeys.generateEd25519().getPublic());
        List<String[]> changes = List.of(
                new String[] {"", "no longer in the policy"},
                new String[] {alice.replace("tenant: team-a}", "tenant: team-a, disabled: true}"), "disabled"},
                // alice's key replaced by a new one: the token was issued to the old key
                new String[] {alice.replace(h.line("alice"), newKey), "no longer belongs"});
        for (String[] c : changes) {
            h.holder.replace(PolicyLoader.parse(policy.replace(alice, c[0]), "policy.yaml"));
            HttpResponse<String> r = whoami(token);
            assertThat(r.statusCode()).as(c[1]).isEqualTo(401);
            assertThat(JSON.readTree(r.body()).get("message").asText()).contains(c[1]);
        }
        h.holder.replace(PolicyLoader.parse(policy, "policy.yaml"));
        assertThat(whoami(token).statusCode()).as("restored").isEqualTo(200);
        // and a token past its exp is refused
        h.clock.advance(Duration.ofHours(1));
        assertThat(JSON.readTree(whoami(token).body()).get("message").asText()).contains("expired");
    }

    /** Threat: a token in the URL (logged by proxies, kept in history, sent as Referer) is accepted as a credential. */
    @Test
    void aTokenInTheQueryStringIsNotACredential() throws Exception {
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        for (String name : List.of("access_token", "token", "bearer")) {
            HttpResponse<String> r = h.send(h.request("/api/v1/whoami?" + name + "=" + token));
            assertThat(r.statusCode()).as(name).isEqualTo(401);
        }
    }

    /**
     * Threat: a state change slips past the Origin and CSRF checks under another method name: a
     * lower-case {@code post}, OPTIONS or HEAD on a POST route, a method-override header on a GET,
     * or a body a cross-site form can send ({@code text/plain}).
     */
    @Test
    void methodAndMediaTypeTricksChangeNothing() throws Exception {
        String alice = h.cookie("alice");
        String csrf = csrf(alice);
        HttpResponse<String> lower = h.send(h.request("/api/v1/requests").header("Cookie", alice)
                .header("Content-Type", "application/json").method("post", BodyPublishers.ofString(REQUEST)));
        HttpResponse<String> options = h.send(h.request("/api/v1/requests").header("Cookie", alice).header("Origin", h.origin())
                .header("Access-Control-Request-Method", "POST").method("OPTIONS", BodyPublishers.noBody()));
        HttpResponse<String> head = h.send(h.request("/api/v1/requests/r-1/approve").header("Cookie", alice)
                .method("HEAD", BodyPublishers.noBody()));
        for (HttpResponse<String> r : List.of(lower, options, head)) {
            assertThat(r.statusCode()).as(r.request().method()).isEqualTo(405);
            assertThat(r.headers().firstValue("access-control-allow-origin")).as("no CORS").isEmpty();
        }
        assertThat(options.headers().firstValue("allow")).contains("GET, POST");
        HttpResponse<String> override = h.send(h.request("/api/v1/requests").header("Cookie", alice)
                .header("X-HTTP-Method-Override", "POST").header("X-Method-Override", "POST").GET());
        assertThat(override.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(override.body()).has("items")).as("a list, not a create").isTrue();
        HttpResponse<String> form = h.send(h.request("/api/v1/requests").header("Cookie", alice).header("Origin", h.origin())
                .header("X-CSRF-Token", csrf).header("Content-Type", "text/plain").POST(BodyPublishers.ofString(REQUEST)));
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(h.access.state().requests()).as("nothing changed").isEmpty();
    }

    /** Threat: an error answer reflects input where a browser would render it, or leaks the gateway's internals. */
    @Test
    void errorAnswersAreJsonWithTheSecurityHeadersAndNoInternals() throws Exception {
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        List<HttpResponse<String>> errors = List.of(
                h.send(h.request("/api/v1/%3Cscript%3Ealert(1)%3C/script%3E").header("Authorization", "Bearer " + token)),
                h.send(h.request("/api/v1/requests/%3Cimg%20src=x%3E").header("Authorization", "Bearer " + token)),
                h.send(h.request("/api/v1/requests").header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json").POST(BodyPublishers.ofString("{\"login\": \"<b>\"}"))),
                h.send(h.request("/api/v1/whoami").header("Authorization", "Bearer <script>")));
        for (HttpResponse<String> r : errors) {
            assertThat(r.statusCode()).as(r.body()).isBetween(400, 499);
            assertThat(r.headers().firstValue("content-type")).contains("application/json");
            assertThat(r.headers().firstValue("x-content-type-options")).contains("nosniff");
            assertThat(r.headers().firstValue("content-security-policy")).contains(ConsoleHeaders.CSP);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.fieldNames()).toIterable().containsExactly("error", "message");
            assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("dev.gatehouse");
            // nothing outside the JSON body (a header) carries the input
            r.headers().map().forEach((k, v) -> assertThat(String.join(",", v)).doesNotContain("<"));
        }
    }
}
