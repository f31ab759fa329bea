package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.gateway.web.console.ConsoleHeaders;
import dev.gatehouse.policy.Lock;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's front controller over the real HTTPS listener (HTTP/2 and HTTP/1.1): who may
 * call, the browser rules (Origin, CSRF token, security headers), bodies, and the request,
 * grant and lock endpoints with their permission and tenant rules.
 */
class ConsoleApiTest {
    static final ObjectMapper JSON = new ObjectMapper();

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

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    /** A state-changing call as the console's own page makes it: cookie, Origin, CSRF token. */
    HttpResponse<String> post(String cookie, String path, String body) throws Exception {
        String csrf = json(h.send(h.request("/api/v1/whoami").header("Cookie", cookie))).get("csrf_token").asText();
        return h.send(h.request(path).header("Cookie", cookie).header("Origin", h.origin()).header("X-CSRF-Token", csrf)
                .header("Content-Type", "application/json").POST(BodyPublishers.ofString(body)));
    }

    HttpResponse<String> bearer(String token, String method, String path, String body) throws Exception {
        var b = h.request(path).header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return h.send(b.method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body)));
    }

    @Test
    void whoamiWithTheConsoleCookieOverBothProtocolsCarriesTheSecurityHeaders() throws Exception {
        String cookie = h.cookie("erin");
        for (HttpClient.Version v : HttpClient.Version.values()) {
            HttpResponse<String> r = h.client(v).send(h.request("/api/v1/whoami").header("Cookie", cookie).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.version()).isEqualTo(v);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).contains("application/json");
            assertThat(r.headers().firstValue("content-security-policy")).contains(ConsoleHeaders.CSP);
            assertThat(r.headers().firstValue("x-frame-options")).contains("DENY");
            assertThat(r.headers().firstValue("x-content-type-options")).contains("nosniff");
            assertThat(r.headers().firstValue("referrer-policy")).contains("no-referrer");
            assertThat(r.headers().firstValue("cache-control")).contains("no-store");
            JsonNode who = json(r);
            assertThat(who.get("user").asText()).isEqualTo("erin");
            assertThat(who.get("tenant").asText()).isEqualTo("team-a");
            assertThat(who.get("via").asText()).isEqualTo("cookie");
            assertThat(who.get("permissions").toString()).isEqualTo("[\"ADMIN\"]");
            assertThat(who.get("roles").toString()).isEqualTo("[\"admin\",\"approver\"]");
            assertThat(who.get("key_fingerprint").asText()).isEqualTo(h.identity("erin").keyFingerprint());
            assertThat(who.get("csrf_token").asText()).hasSizeGreaterThan(40);
        }
        // the pages of the console host carry the same headers
        HttpResponse<String> home = h.send(h.request("/"));
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.headers().firstValue("content-security-policy")).contains(ConsoleHeaders.CSP);
        assertThat(home.headers().firstValue("x-frame-options")).contains("DENY");
    }

    @Test
    void withoutACredentialTheApiIs401AndUnknownPathsDoNotLeakBeforeLogin() throws Exception {
        HttpResponse<String> r = h.send(h.request("/api/v1/whoami"));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(json(r).get("error").asText()).isEqualTo("unauthenticated");
        assertThat(json(r).get("message").asText()).contains("web-login");
        assertThat(r.headers().firstValue("www-authenticate")).contains("Bearer realm=\"gatehouse\"");
        assertThat(h.send(h.request("/api/v1/no-such-thing")).statusCode()).isEqualTo(401);

        String cookie = h.cookie("alice");
        HttpResponse<String> missing = h.send(h.request("/api/v1/no-such-thing").header("Cookie", cookie));
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(missing).get("error").asText()).isEqualTo("not_found");
        HttpResponse<String> wrongMethod = h.send(h.request("/api/v1/whoami").header("Cookie", cookie)
                .header("Origin", h.origin()).method("PUT", BodyPublishers.noBody()));
        // the CSRF check comes first for state-changing methods: without the token, 403
        assertThat(wrongMethod.statusCode()).isEqualTo(403);
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        HttpResponse<String> put = bearer(token, "PUT", "/api/v1/whoami", null);
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("allow")).contains("GET");
    }

    @Test
    void anApproverApprovesThroughTheApiAndTheGrantIsListedWithItsTimeLeft() throws Exception {
        String alice = h.cookie("alice");
        HttpResponse<String> created = post(alice, "/api/v1/requests",
                "{\"login\": \"mlops\", \"node\": \"gpu-node-1\", \"duration\": \"30m\", \"reason\": \"retrain\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode req = json(created);
        String id = req.get("id").asText();
        assertThat(req.get("state").asText()).isEqualTo("pending");
        assertThat(req.get("nodes").toString()).isEqualTo("[\"gpu-node-1\"]");
        assertThat(req.get("duration").asLong()).isEqualTo(1800);
        assertThat(req.get("may_decide").asBoolean()).as("nobody approves their own request").isFalse();

        String bob = h.token("bob", Duration.ofHours(1)).jwt();
        JsonNode pending = json(bearer(bob, "GET", "/api/v1/requests?state=pending", null));
        assertThat(pending.get("items")).hasSize(1);
        assertThat(pending.get("items").get(0).get("may_decide").asBoolean()).isTrue();
        assertThat(pending.get("next").isNull()).isTrue();

        HttpResponse<String> approved = bearer(bob, "POST", "/api/v1/requests/" + id + "/approve", "{\"comment\": \"ok\"}");
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
        assertThat(json(approved).get("state").asText()).isEqualTo("active");
        assertThat(json(approved).get("approvals").get(0).get("by").asText()).isEqualTo("bob");
        assertThat(json(approved).get("approvals").get(0).get("comment").asText()).isEqualTo("ok");
        // the same service as the shell: its state has the grant, and its audit event is written
        assertThat(h.access.state().request(id).orElseThrow().activeAt(h.clock.instant())).isTrue();
        assertThat(h.events("grant.active")).hasSize(1);

        HttpResponse<String> again = bearer(bob, "POST", "/api/v1/requests/" + id + "/approve", "{}");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).get("error").asText()).isEqualTo("conflict");

        h.clock.advance(Duration.ofMinutes(10));
        JsonNode grants = json(h.send(h.request("/api/v1/grants").header("Cookie", alice)));
        assertThat(grants.get("items")).hasSize(1);
        assertThat(grants.get("items").get(0).get("seconds_left").asLong()).isEqualTo(1200);
    }

    @Test
    void denyNeedsAReasonAndOwnRequestsCannotBeApproved() throws Exception {
        String alice = h.cookie("alice");
        String id = json(post(alice, "/api/v1/requests", "{\"login\": \"mlops\", \"node\": \"gpu-node-1\", \"duration\": 600}"))
                .get("id").asText();
        String bob = h.token("bob", Duration.ofHours(1)).jwt();
        HttpResponse<String> noReason = bearer(bob, "POST", "/api/v1/requests/" + id + "/deny", "{}");
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(h.access.state().request(id).orElseThrow().state().name()).isEqualTo("PENDING");

        HttpResponse<String> own = post(alice, "/api/v1/requests/" + id + "/approve", "{}");
        assertThat(own.statusCode()).isEqualTo(403);
        assertThat(json(own).get("message").asText()).contains("own request");

        HttpResponse<String> denied = bearer(bob, "POST", "/api/v1/requests/" + id + "/deny", "{\"reason\": \"not now\"}");
        assertThat(denied.statusCode()).isEqualTo(200);
        assertThat(json(denied).get("state").asText()).isEqualTo("denied");
        assertThat(post(alice, "/api/v1/requests/" + id + "/cancel", "{}").statusCode()).isEqualTo(409);
    }

    @Test
    void objectsOfAnotherTenantAre404AsIfTheyDidNotExist() throws Exception {
        // threat: an approver or admin of team-b reads or decides team-a's requests, grants and locks
        String alice = h.cookie("alice");
        String id = json(post(alice, "/api/v1/requests", "{\"login\": \"mlops\", \"node\": \"gpu-node-1\", \"duration\": \"1h\"}"))
                .get("id").asText();
        String zed = h.token("zed", Duration.ofHours(1)).jwt();
        HttpResponse<String> get = bearer(zed, "GET", "/api/v1/requests/" + id, null);
        HttpResponse<String> none = bearer(zed, "GET", "/api/v1/requests/r-0000000000", null);
        assertThat(get.statusCode()).isEqualTo(404);
        assertThat(json(get).get("message").asText()).isEqualTo(json(none).get("message").asText().replace("r-0000000000", id));
        assertThat(bearer(zed, "POST", "/api/v1/requests/" + id + "/approve", "{}").statusCode()).isEqualTo(404);
        assertThat(bearer(zed, "POST", "/api/v1/grants/" + id + "/revoke", "{}").statusCode()).isEqualTo(404);
        assertThat(json(bearer(zed, "GET", "/api/v1/requests", null)).get("items")).isEmpty();
        assertThat(h.access.state().request(id).orElseThrow().state().name()).isEqualTo("PENDING");

        // a node of the other tenant is as unknown as a missing one
        HttpResponse<String> foreignNode = post(alice, "/api/v1/requests",
                "{\"login\": \"mlops\", \"node\": \"cpu-node-9\", \"duration\": \"1h\"}");
        HttpResponse<String> missingNode = post(alice, "/api/v1/requests",
                "{\"login\": \"mlops\", \"node\": \"nowhere-1\", \"duration\": \"1h\"}");
        assertThat(foreignNode.statusCode()).isEqualTo(404);
        assertThat(missingNode.statusCode()).isEqualTo(404);

        // team-a's lock is not zed's to see or lift
        String erin = h.token("erin", Duration.ofHours(1)).jwt();
        assertThat(bearer(erin, "POST", "/api/v1/locks", "{\"kind\": \"user\", \"name\": \"dan\", \"reason\": \"leaver\"}")
                .statusCode()).isEqualTo(201);
        assertThat(json(bearer(zed, "GET", "/api/v1/locks", null)).get("items")).isEmpty();
        assertThat(bearer(zed, "DELETE", "/api/v1/locks/user/dan", null).statusCode()).isEqualTo(404);
        assertThat(h.access.state().locks()).extracting(Lock::name).containsExactly("dan");
    }

    @Test
    void locksNeedTheAdminPermission() throws Exception {
        String alice = h.token("alice", Duration.ofHours(1)).jwt();
        assertThat(bearer(alice, "GET", "/api/v1/locks", null).statusCode()).isEqualTo(403);
        HttpResponse<String> refused = bearer(alice, "POST", "/api/v1/locks", "{\"kind\": \"node\", \"name\": \"gpu-node-1\"}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused).get("message").asText()).contains("admin permission");
        assertThat(h.access.state().locks()).isEmpty();

        String erin = h.cookie("erin");
        HttpResponse<String> locked = post(erin, "/api/v1/locks", "{\"kind\": \"node\", \"name\": \"gpu-node-1\", \"reason\": \"patching\"}");
        assertThat(locked.statusCode()).as(locked.body()).isEqualTo(201);
        JsonNode list = json(h.send(h.request("/api/v1/locks").header("Cookie", erin)));
        assertThat(list.get("items").get(0).get("name").asText()).isEqualTo("gpu-node-1");
        assertThat(list.get("items").get(0).get("reason").asText()).isEqualTo("patching");
        assertThat(bearer(alice, "DELETE", "/api/v1/locks/node/gpu-node-1", null).statusCode()).isEqualTo(403);
        String erinToken = h.token("erin", Duration.ofHours(1)).jwt();
        assertThat(bearer(erinToken, "DELETE", "/api/v1/locks/node/gpu-node-1", null).statusCode()).isEqualTo(200);
        assertThat(bearer(erinToken, "DELETE", "/api/v1/locks/node/gpu-node-1", null).statusCode()).isEqualTo(404);
        assertThat(bearer(erinToken, "DELETE", "/api/v1/locks/planet/x", null).statusCode()).isEqualTo(400);
        assertThat(h.access.state().locks()).isEmpty();
    }

    @Test
    void theConsolesUnlockReasonIsStoredAndAudited() throws Exception {
        // The console's Unlock asks for a reason (README: "Unlock with a reason") and sends it as the
        // DELETE body; an auditor reading lock.lifted must find it, not an unlock without a why.
        String erin = h.token("erin", Duration.ofHours(1)).jwt();
        assertThat(bearer(erin, "POST", "/api/v1/locks", "{\"kind\": \"user\", \"name\": \"dan\", \"reason\": \"leaver\"}")
                .statusCode()).isEqualTo(201);
        HttpResponse<String> bad = bearer(erin, "DELETE", "/api/v1/locks/user/dan", "{\"reason\": \"all clear\\u001b[2J\"}");
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(403);
        assertThat(json(bad).get("message").asText()).isEqualTo("reason contains a control character (U+001B)");
        assertThat(h.access.state().locks()).extracting(Lock::name).containsExactly("dan");

        HttpResponse<String> ok = bearer(erin, "DELETE", "/api/v1/locks/user/dan", "{\"reason\": \"  back from leave  \"}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(h.access.state().locks()).isEmpty();
        assertThat(h.store.accessLog().locks()).filteredOn(l -> l.action().equals("unlock"))
                .extracting(dev.gatehouse.recorder.AccessLog.LockRow::reason).containsExactly("back from leave");
        assertThat(h.store.events(new dev.gatehouse.recorder.EventQuery("lock.lifted", "erin", null, null, 10)))
                .extracting(e -> e.event().details().get("reason")).containsExactly("back from leave");
    }

    @Test
    void cookieCallsThatChangeStateNeedTheConsoleOriginAndTheCsrfToken() throws Exception {
        // threat: another site's page makes the browser POST with the console cookie (CSRF)
        String alice = h.cookie("alice");
        String body = "{\"login\": \"mlops\", \"node\": \"gpu-node-1\", \"duration\": \"1h\"}";
        String csrf = json(h.send(h.request("/api/v1/whoami").header("Cookie", alice))).get("csrf_token").asText();
        var base = h.request("/api/v1/requests").header("Cookie", alice).header("Content-Type", "application/json");
        HttpResponse<String> noOrigin = h.send(h.request("/api/v1/requests").header("Cookie", alice)
                .header("Content-Type", "application/json").header("X-CSRF-Token", csrf).POST(BodyPublishers.ofString(body)));
        HttpResponse<String> foreign = h.send(h.request("/api/v1/requests").header("Cookie", alice)
                .header("Content-Type", "application/json").header("Origin", "https://evil.example")
                .header("X-CSRF-Token", csrf).POST(BodyPublishers.ofString(body)));
        HttpResponse<String> noToken = h.send(base.header("Origin", h.origin()).POST(BodyPublishers.ofString(body)));
        HttpResponse<String> wrongToken = h.send(h.request("/api/v1/requests").header("Cookie", alice)
                .header("Content-Type", "application/json").header("Origin", h.origin())
                .header("X-CSRF-Token", csrf.substring(1) + "A").POST(BodyPublishers.ofString(body)));
        for (HttpResponse<String> r : java.util.List.of(noOrigin, foreign, noToken, wrongToken)) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
            assertThat(json(r).get("error").asText()).isEqualTo("forbidden");
            assertThat(r.headers().firstValue("content-security-policy")).contains(ConsoleHeaders.CSP);
        }
        assertThat(json(foreign).get("message").asText()).contains("https://evil.example").contains("not the console's");
        assertThat(json(noToken).get("message").asText()).contains("X-CSRF-Token");
        assertThat(h.access.state().requests()).as("nothing changed").isEmpty();
        assertThat(h.events("api.refused")).hasSize(4).allSatisfy(e -> assertThat(e.user()).isEqualTo("alice"));

        // a token of another console session does not pass either
        String other = h.cookie("alice");
        String otherCsrf = json(h.send(h.request("/api/v1/whoami").header("Cookie", other))).get("csrf_token").asText();
        assertThat(otherCsrf).isNotEqualTo(csrf);
        assertThat(h.send(h.request("/api/v1/requests").header("Cookie", alice).header("Content-Type", "application/json")
                .header("Origin", h.origin()).header("X-CSRF-Token", otherCsrf).POST(BodyPublishers.ofString(body))).statusCode())
                .isEqualTo(403);
        // the right pair passes
        assertThat(post(alice, "/api/v1/requests", body).statusCode()).isEqualTo(201);
    }

    @Test
    void bearerCallsNeedNoCsrfTokenButAForeignOriginIsRefused() throws Exception {
        // threat: a page of another site holding a leaked token drives the API from a victim's browser
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        String body = "{\"login\": \"mlops\", \"node\": \"gpu-node-1\", \"duration\": \"1h\"}";
        HttpResponse<String> foreign = h.send(h.request("/api/v1/requests").header("Authorization", "Bearer " + token)
                .header("Origin", "https://evil.example").header("Content-Type", "application/json").POST(BodyPublishers.ofString(body)));
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(h.access.state().requests()).isEmpty();
        assertThat(bearer(token, "POST", "/api/v1/requests", body).statusCode()).isEqualTo(201);
        JsonNode who = json(bearer(token, "GET", "/api/v1/whoami", null));
        assertThat(who.get("via").asText()).isEqualTo("token");
        assertThat(who.get("csrf_token").isNull()).isTrue();
    }

    @Test
    void bodiesAreJsonObjectsOfAtMost64KiB() throws Exception {
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        HttpResponse<String> malformed = bearer(token, "POST", "/api/v1/requests", "{\"login\": ");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(json(malformed).get("message").asText()).contains("not valid JSON");
        assertThat(bearer(token, "POST", "/api/v1/requests", "[1, 2]").statusCode()).isEqualTo(400);
        HttpResponse<String> form = h.send(h.request("/api/v1/requests").header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/x-www-form-urlencoded").POST(BodyPublishers.ofString("login=mlops")));
        assertThat(form.statusCode()).isEqualTo(415);
        String big = "{\"reason\": \"" + "x".repeat(70 * 1024) + "\"}";
        for (HttpClient.Version v : HttpClient.Version.values()) {
            HttpResponse<String> large = h.client(v).send(h.request("/api/v1/requests").header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").POST(BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(large.statusCode()).isEqualTo(413);
        }
        assertThat(h.access.state().requests()).isEmpty();
        // the connection is still good for the next call
        assertThat(bearer(token, "GET", "/api/v1/whoami", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aLockedUsersCookieAndTokenStopWorkingAtOnce() throws Exception {
        String cookie = h.cookie("alice");
        String token = h.token("alice", Duration.ofHours(1)).jwt();
        assertThat(h.send(h.request("/api/v1/whoami").header("Cookie", cookie)).statusCode()).isEqualTo(200);
        h.access.lock("erin", Lock.Kind.USER, "alice", "incident");
        HttpResponse<String> r = h.send(h.request("/api/v1/whoami").header("Cookie", cookie));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(json(r).get("message").asText()).contains("locked");
        assertThat(bearer(token, "GET", "/api/v1/whoami", null).statusCode()).isEqualTo(401);
    }
}
