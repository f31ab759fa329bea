package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static dev.gatehouse.e2e.Elevations.assertRefused;
import static dev.gatehouse.e2e.WebApps.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's JSON API against the gateway jar, driven as its users would: {@code ssh GATEWAY
 * api-token --for 1h} prints a bearer token, {@code curl} calls {@code /api/v1/} with it. An
 * approver approves a pending elevation through the API and the requester's elevated {@code ssh}
 * then works; a revoked token stops at once; another tenant's request is 404. Elevation policy of
 * {@link GatewayFiles#elevationPolicy}: alice requests, bob approves (team-a), frank is team-b.
 */
class ConsoleApiIT extends GatewayTest {
    private Web web;

    @Override
    Gateway.Options options() {
        return Elevations.options(false).web();
    }

    @BeforeAll
    void web() {
        web = Web.of(gw);
    }

    /** {@code ssh GATEWAY api-token --for 1h --name e2e} as {@code user}: the token, the last line printed. */
    private String apiToken(Gateway.User user) {
        Proc.Result r = gw.shell(user, "api-token --for 1h --name e2e").requireSuccess();
        List<String> lines = r.stdout().strip().lines().toList();
        String token = lines.get(lines.size() - 1);
        assertThat(token.split("\\.")).as("a compact JWS on the last line\n" + r.describe()).hasSize(3);
        return token;
    }

    private Web.Response api(String token, String method, String path, String json) {
        List<String> args = new java.util.ArrayList<>(List.of("-X", method, "-H", "Authorization: Bearer " + token));
        if (json != null) {
            args.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", json));
        }
        return web.request(web.consoleUrl(path), args.toArray(String[]::new));
    }

    @Test
    void anApproverApprovesThroughTheApiAndTheRequestersElevatedSshThenWorks() {
        Gateway.User alice = gw.alice();
        Gateway.User bob = gw.user("bob");
        String id = Elevations.request(gw, alice, ELEVATED, "30m");
        assertRefused(gw.ssh(alice, ELEVATED, "id -un"), "no active grant for login 'mlops'");

        String token = apiToken(bob);
        Web.Response who = api(token, "GET", "/api/v1/whoami", null);
        assertThat(who.status()).as(who.describe()).isEqualTo(200);
        assertThat(Json.text(Json.parse(who.body()), "user")).isEqualTo("bob");
        assertThat(Json.text(Json.parse(who.body()), "via")).isEqualTo("token");
        assertThat(who.header("content-security-policy")).contains("default-src 'none'").contains("frame-ancestors 'none'");
        assertThat(who.header("cache-control")).isEqualTo("no-store");

        Web.Response pending = api(token, "GET", "/api/v1/requests?state=pending", null);
        assertThat(pending.status()).as(pending.describe()).isEqualTo(200);
        JsonNode item = null;
        for (JsonNode n : Json.parse(pending.body()).get("items")) {
            if (id.equals(Json.text(n, "id"))) {
                item = n;
            }
        }
        assertThat(item).as("bob sees alice's pending request\n" + pending.describe()).isNotNull();
        assertThat(item.get("may_decide").asBoolean()).isTrue();
        assertThat(Json.text(item, "requester")).isEqualTo("alice");

        Web.Response approved = api(token, "POST", "/api/v1/requests/" + id + "/approve", "{\"comment\": \"e2e: via the API\"}");
        assertThat(approved.status()).as(approved.describe()).isEqualTo(200);
        assertThat(Json.text(Json.parse(approved.body()), "state")).isEqualTo("active");
        try {
            Proc.Result in = gw.ssh(alice, ELEVATED, "id -un").requireSuccess();
            assertThat(in.stdout().strip()).isEqualTo(Accounts.MLOPS);
            gw.awaitEvent("grant.active by bob for " + id, e -> Json.type("grant.active").test(e)
                    && id.equals(Json.text(e, "grant_id")) && "bob".equals(Json.text(e, "user")));
            gw.awaitEvent("api.token.issued to bob", event("api.token.issued", "user", "bob"));
        } finally {
            Web.Response revoked = api(token, "POST", "/api/v1/grants/" + id + "/revoke", "{}");
            assertThat(revoked.status()).as(revoked.describe()).isEqualTo(200);
        }
        assertRefused(gw.ssh(alice, ELEVATED, "id -un"), "no active grant for login 'mlops'");
    }

    /** Threat: a token that leaked keeps working after its owner revoked it. */
    @Test
    void aTokenRevokedInTheShellIsRefusedAtOnce() {
        Gateway.User erin = gw.user("erin");
        String token = apiToken(erin);
        assertThat(api(token, "GET", "/api/v1/whoami", null).status()).isEqualTo(200);
        List<JsonNode> mine = Json.array(gw.shell(erin, "api-tokens --json").requireSuccess());
        String id = Json.text(mine.get(0), "id");
        assertThat(Json.text(mine.get(0), "state")).isEqualTo("valid");
        gw.shell(erin, "api-token revoke " + id).requireSuccess();

        Web.Response refused = api(token, "GET", "/api/v1/whoami", null);
        assertThat(refused.status()).as(refused.describe()).isEqualTo(401);
        assertThat(Json.text(Json.parse(refused.body()), "error")).isEqualTo("unauthenticated");
        assertThat(Json.text(Json.array(gw.shell(erin, "api-tokens --json").requireSuccess()).get(0), "state")).isEqualTo("revoked");
        gw.awaitEvent("api.token.revoked " + id, event("api.token.revoked", "user", "erin", "token_id", id));
        gw.awaitEvent("api.refused for the revoked token", event("api.refused", "user", "erin", "check", "credential"));
    }

    /** Threat: an approver of another tenant reads or approves team-a's requests through the API. */
    @Test
    void anotherTenantsRequestIsNotFound() {
        String id = Elevations.request(gw, gw.alice(), ELEVATED, "30m");
        try {
            String frank = apiToken(gw.user("frank"));
            Web.Response get = api(frank, "GET", "/api/v1/requests/" + id, null);
            assertThat(get.status()).as(get.describe()).isEqualTo(404);
            Web.Response approve = api(frank, "POST", "/api/v1/requests/" + id + "/approve", "{}");
            assertThat(approve.status()).as(approve.describe()).isEqualTo(404);
            assertThat(Json.text(Elevations.requestAs(gw, gw.alice(), id), "state")).isEqualTo("pending");
        } finally {
            gw.shell(gw.alice(), "cancel " + id).requireSuccess();
        }
    }

    /** Threat: another site's page makes a logged-in browser change state with the console cookie (CSRF). */
    @Test
    void cookieCallsWithoutTheCsrfTokenAreRefused() {
        String cookie = WebApps.consoleCookie(gw, web, gw.alice());
        Web.Response who = web.request(web.consoleUrl("/api/v1/whoami"), "-H", "Cookie: " + cookie);
        assertThat(who.status()).as(who.describe()).isEqualTo(200);
        String csrf = Json.text(Json.parse(who.body()), "csrf_token");
        String body = "{\"login\": \"" + Accounts.MLOPS + "\", \"node\": \"" + Gateway.NODE + "\", \"duration\": \"30m\","
                + " \"reason\": \"e2e: from the console\"}";
        Web.Response forged = web.request(web.consoleUrl("/api/v1/requests"), "-X", "POST", "-H", "Cookie: " + cookie,
                "-H", "Origin: https://evil.example", "-H", "Content-Type: application/json", "--data-binary", body);
        assertThat(forged.status()).as(forged.describe()).isEqualTo(403);
        Web.Response noToken = web.request(web.consoleUrl("/api/v1/requests"), "-X", "POST", "-H", "Cookie: " + cookie,
                "-H", "Origin: " + web.console(), "-H", "Content-Type: application/json", "--data-binary", body);
        assertThat(noToken.status()).as(noToken.describe()).isEqualTo(403);
        Web.Response ok = web.request(web.consoleUrl("/api/v1/requests"), "-X", "POST", "-H", "Cookie: " + cookie,
                "-H", "Origin: " + web.console(), "-H", "X-CSRF-Token: " + csrf, "-H", "Content-Type: application/json",
                "--data-binary", body);
        assertThat(ok.status()).as(ok.describe()).isEqualTo(201);
        String id = Json.text(Json.parse(ok.body()), "id");
        gw.shell(gw.alice(), "cancel " + id).requireSuccess();
        gw.awaitEvent("api.refused (origin) for alice", event("api.refused", "user", "alice", "check", "origin"));
    }
}
