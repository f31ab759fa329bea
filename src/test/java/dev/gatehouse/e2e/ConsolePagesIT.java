package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The console's pages in a real browser (Debian's chromium) over a scripted API
 * ({@link ConsoleStub}): what each page sends (method, path, body, the {@code X-CSRF-Token} from
 * whoami, Origin) and how it shows what the API answers, under the console's strict
 * Content-Security-Policy (every violation the browser reports fails the test). The pages against
 * the real gateway are {@code ConsoleBrowserIT}'s.
 */
class ConsolePagesIT {
    private static final String CSRF = "csrf-7f3a";
    /** Threat: text from outside (a reason, a command) is markup on the page (stored XSS). */
    private static final String HOSTILE = "<img src=x id=pwned onerror=\"document.title='pwned'\">";

    private ConsoleStub api;
    private Browser browser;
    private ConsoleBrowser ui;

    @BeforeEach
    void start() {
        api = ConsoleStub.start();
        browser = Browser.start();
        ui = new ConsoleBrowser(browser, api.origin());
    }

    @AfterEach
    void stop() {
        try {
            assertThat(api.cspReports).as("Content-Security-Policy violations the browser reported").isEmpty();
        } finally {
            browser.close();
            api.close();
        }
    }

    private void viewer(String user, String... permissions) {
        api.on("GET", "/whoami", Map.of("user", user, "tenant", "", "roles", List.of("oncall"),
                "permissions", List.of(permissions), "via", "cookie", "expires", "2026-11-30T09:00:00Z",
                "csrf_token", CSRF, "key_fingerprint", "SHA256:abcdEFGH"));
    }

    private static Map<String, Object> list(Object... items) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("items", List.of(items));
        m.put("next", null);
        return m;
    }

    @Test
    void withoutASessionThePageSaysHowToLogIn() {
        api.on("GET", "/whoami", c -> ConsoleStub.Reply.error(401, "unauthenticated",
                "log in first: run 'ssh -p 40022 gw.example web-login' and open the link it prints"));
        ui.openBare("/requests");
        ui.awaitText("#login-command", "ssh -p 40022 gw.example web-login");
        ui.screenshot("console-login-notice");

        // an answer without the command: the default port and the console's own host
        api.on("GET", "/whoami", c -> ConsoleStub.Reply.error(401, "unauthenticated", "session expired"));
        ui.openBare("/me");
        ui.awaitText("#login-command", "ssh -p 2222 127.0.0.1 web-login");
    }

    @Test
    void anApproverApprovesWithACommentAndTheCsrfToken() {
        viewer("bob");
        Map<String, Object> pending = new java.util.HashMap<>(Map.of("id", "r-17", "requester", "alice", "login", "root",
                "nodes", List.of("db-1"), "duration", 1800, "reason", HOSTILE, "state", "pending",
                "approvals", List.of(), "created", "2026-11-30T01:00:00Z", "may_decide", true));
        api.on("GET", "/requests", c -> ConsoleStub.Reply.ok(c.path().contains("state=pending") || !c.path().contains("state")
                ? list(pending) : list()));
        api.on("POST", "/requests/r-17/approve", Map.of("id", "r-17", "state", "approved"));

        ui.open("/requests");
        ui.awaitText("#pending", "alice");
        assertThat(browser.text()).as("the hostile reason is shown as text").contains(HOSTILE).contains("30m 00s");
        assertThat(browser.driver().findElements(By.id("pwned"))).as("and never becomes an element").isEmpty();
        ui.screenshot("console-requests");

        ui.approve("r-17", "ok, ticket OPS-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> !api.calls("POST", "/api/v1/requests/r-17/approve").isEmpty());
        ConsoleStub.Call call = api.calls("POST", "/api/v1/requests/r-17/approve").get(0);
        assertThat(call.header("X-CSRF-Token")).isEqualTo(CSRF);
        assertThat(call.header("Origin")).isEqualTo(api.origin());
        assertThat(call.header("Content-Type")).startsWith("application/json");
        assertThat(Json.text(call.json(), "comment")).isEqualTo("ok, ticket OPS-1");
        ui.awaitText("#status", "Approved request r-17");
        assertThat(browser.driver().getTitle()).doesNotContain("pwned");
    }

    @Test
    void denyingNeedsAReason() {
        viewer("bob");
        api.on("GET", "/requests", list(Map.of("id", "r-18", "requester", "alice", "login", "root", "nodes", List.of("db-1"),
                "duration", 600, "reason", "migration", "state", "pending", "approvals", List.of(), "may_decide", true)));
        api.on("POST", "/requests/r-18/deny", c -> ConsoleStub.Reply.error(409, "conflict", "already decided by carol"));

        ui.open("/requests");
        ui.deny("r-18", "");
        ui.awaitText("#status", "Reason is required");
        assertThat(api.calls("POST", "/api/v1/requests/r-18/deny")).as("nothing sent without a reason").isEmpty();

        browser.driver().findElement(By.cssSelector("[data-request=\"r-18\"] form.inline input[name=text]")).sendKeys("not in the window");
        browser.driver().findElement(By.cssSelector("[data-request=\"r-18\"] form.inline button[type=submit]")).click();
        ui.awaitText("#status", "already decided by carol (conflict, HTTP 409)");
        assertThat(Json.text(api.calls("POST", "/api/v1/requests/r-18/deny").get(0).json(), "reason")).isEqualTo("not in the window");
    }

    @Test
    void anAdminTerminatesALiveSessionWithAReasonAndObservesOne() {
        viewer("root-admin", "ADMIN", "AUDIT");
        api.on("GET", "/live", list(Map.of("id", "s-42", "user", "alice", "login", "root", "node", "db-1", "kind", "shell",
                "source", "127.0.0.1:50000", "started", "2026-11-30T01:10:00Z", "bytes_in", 120, "bytes_out", 4096,
                "observable", true)));
        api.on("POST", "/live/s-42/terminate", Map.of("terminated", true));
        api.stream("/live/s-42/observe");

        ui.open("/live");
        ui.awaitText("#live", "alice");
        var term = ui.observe("s-42");
        api.send("/live/s-42/observe", "header", "{\"version\":2,\"width\":80,\"height\":24}");
        api.send("/live/s-42/observe", "output", "[0.5,\"o\",\"\\u001b[1;32malice@db-1\\u001b[0m:~$ uptime\\r\\n 01:11:00 up 3 days\\r\\n\"]");
        api.send("/live/s-42/observe", "output", Json.MAPPER.valueToTree(List.of(0.7, "o", HOSTILE + "\r\n")).toString());
        ui.awaitText("#observe-output", "up 3 days");
        assertThat(term.getText()).contains("alice@db-1:~$ uptime").doesNotContain("[1;32m").contains(HOSTILE);
        assertThat(browser.driver().findElements(By.id("pwned"))).isEmpty();
        ui.awaitText("#observe-state", "Observing live");
        ui.screenshot("console-live-observe");
        api.end("/live/s-42/observe");
        ui.awaitText("#observe-state", "The session ended.");

        ui.terminate("s-42", "");
        ui.awaitText("#status", "Reason is required");
        assertThat(api.calls("POST", "/api/v1/live/s-42/terminate")).isEmpty();
        ui.terminate("s-42", "incident INC-9");
        await().atMost(Duration.ofSeconds(10)).until(() -> !api.calls("POST", "/api/v1/live/s-42/terminate").isEmpty());
        ConsoleStub.Call call = api.calls("POST", "/api/v1/live/s-42/terminate").get(0);
        assertThat(Json.text(call.json(), "reason")).isEqualTo("incident INC-9");
        assertThat(call.header("X-CSRF-Token")).isEqualTo(CSRF);
    }

    @Test
    void anAuditorSearchesByCommandAndPlaysTheRecording() {
        viewer("audrey", "AUDIT");
        Map<String, Object> s = new java.util.HashMap<>(Map.of("id", "s-7", "user", "alice", "login", "root", "node", "db-1",
                "kind", "exec", "source", "127.0.0.1:50001", "started", "2026-11-30T01:00:00Z", "ended", "2026-11-30T01:00:02Z",
                "outcome", "exit 0", "command", "cat /etc/motd"));
        s.put("bytes_in", 10);
        s.put("bytes_out", 40);
        s.put("live", false);
        api.on("GET", "/sessions", c -> ConsoleStub.Reply.ok(c.path().contains("q=motd") ? list(s) : list()));
        Map<String, Object> detail = new java.util.HashMap<>(s);
        detail.put("events", List.of(Map.of("type", "session.start", "at", "2026-11-30T01:00:00Z", "user", "alice", "via", "ssh"),
                Map.of("type", "exec", "at", "2026-11-30T01:00:01Z", "command", HOSTILE)));
        detail.put("transfers", List.of(Map.of("op", "download", "path", "/etc/motd", "bytes", 40,
                "sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")));
        detail.put("recording", Map.of("present", true, "verified", true));
        api.on("GET", "/sessions/s-7", detail);
        String cast = "{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":1796000000}\n"
                + "[0.1,\"o\",\"$ cat /etc/motd\\r\\n\"]\n[0.3,\"o\",\"welcome-to-db-1\\r\\n\"]\n";
        api.on("GET", "/sessions/s-7/recording", c -> ConsoleStub.Reply.text("application/x-asciicast", cast));

        ui.searchSessions(Map.of("q", "motd", "user", "alice"));
        ui.awaitText("#results", "cat /etc/motd");
        assertThat(api.calls("GET", "/api/v1/sessions").stream().map(ConsoleStub.Call::path))
                .anyMatch(p -> p.contains("q=motd") && p.contains("user=alice"));
        assertThat(browser.url()).contains("q=motd");
        ui.screenshot("console-sessions");

        browser.driver().findElement(By.linkText("s-7")).click();
        ui.awaitText("#transfers", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
        assertThat(browser.text()).contains(HOSTILE);
        assertThat(browser.driver().findElements(By.id("pwned"))).isEmpty();
        assertThat(browser.driver().findElement(By.id("download")).getAttribute("href"))
                .endsWith("/api/v1/sessions/s-7/recording?download=1");
        String shown = ui.playUntil("welcome-to-db-1", Duration.ofSeconds(20));
        assertThat(shown).contains("$ cat /etc/motd");
        ui.screenshot("console-session");
    }

    @Test
    void theAuditPageVerifiesTheChainAndShowsTheWitness() {
        viewer("audrey", "AUDIT");
        api.on("GET", "/audit/events", list(Map.of("seq", 41, "type", "grant.revoked", "at", "2026-11-30T01:02:03Z",
                "user", "bob", "session", "s-9", "reason", HOSTILE)));
        api.on("GET", "/audit/witness", Map.of("configured", true, "last_checkpoint", "2026-11-30T01:00:00Z", "seq", 40));
        api.on("POST", "/audit/verify", Map.of("ok", true, "summary", "41 events, 1 chain, all hashes match"));

        ui.open("/audit");
        ui.awaitText("#events", "grant.revoked");
        ui.awaitText("#witness", "last_checkpoint");
        browser.driver().findElement(By.id("verify")).click();
        ui.awaitText("#verify-result", "The audit chain verifies. 41 events, 1 chain, all hashes match");
        assertThat(api.calls("POST", "/api/v1/audit/verify").get(0).header("X-CSRF-Token")).isEqualTo(CSRF);
        assertThat(browser.driver().findElements(By.id("pwned"))).isEmpty();
        ui.screenshot("console-audit");
    }

    @Test
    void grantsLocksAndMeShowWhatTheApiSays() {
        viewer("root-admin", "ADMIN");
        api.on("GET", "/grants", list(Map.of("id", "g-3", "user", "alice", "login", "root", "nodes", List.of("db-1"),
                "expires", "2026-11-30T02:00:00Z", "seconds_left", 3599)));
        api.on("POST", "/grants/g-3/revoke", Map.of("id", "g-3", "state", "revoked"));
        api.on("GET", "/locks", list(Map.of("kind", "node", "name", "db-2", "reason", "patching", "by", "root-admin")));
        api.on("POST", "/locks", c -> new ConsoleStub.Reply(201, Map.of("kind", "user", "name", "mallory")));
        api.on("DELETE", "/locks/node/db-2", Map.of());
        api.on("GET", "/api-tokens", list(Map.of("id", "t-1", "name", "ci", "expires", "2026-11-30T02:00:00Z")));

        ui.open("/grants");
        ui.awaitText("#grants", "alice");
        assertThat(browser.text()).containsPattern("59m 5\\ds");
        ui.screenshot("console-grants");
        browser.driver().findElement(By.cssSelector("[data-grant=\"g-3\"] button[data-action=revoke]")).click();
        ui.awaitText("#status", "Revoked grant g-3");

        ui.open("/locks");
        ui.awaitText("#locks", "patching");
        browser.driver().findElement(By.id("l-kind")).sendKeys("user");
        browser.driver().findElement(By.id("l-name")).sendKeys("mallory");
        browser.driver().findElement(By.id("l-reason")).sendKeys("phished key");
        browser.driver().findElement(By.cssSelector("#new-lock button[type=submit]")).click();
        ui.awaitText("#status", "Locked user mallory");
        assertThat(api.calls("POST", "/api/v1/locks").get(0).json().toString())
                .isEqualTo("{\"kind\":\"user\",\"name\":\"mallory\",\"reason\":\"phished key\"}");
        ui.actWithText("data-lock", "node/db-2", "unlock", "patched");
        ui.awaitText("#status", "Unlocked node db-2");
        assertThat(api.calls("DELETE", "/api/v1/locks/node/db-2").get(0).header("X-CSRF-Token")).isEqualTo(CSRF);
        ui.screenshot("console-locks");

        ui.open("/me");
        ui.awaitText("#identity", "root-admin");
        assertThat(browser.text()).contains("SHA256:abcdEFGH").contains("ADMIN").contains("ci");
        ui.screenshot("console-me");
        // app links are offered only as https://NAME.apps.HOST:PORT/ of the console the page came
        // from, so this part opens the overview as http://localhost:PORT/ (an app host under an IP
        // address is no host name)
        String port = api.origin().substring(api.origin().lastIndexOf(':') + 1);
        String jupyter = "https://jupyter--gpu-1.apps.localhost:" + port + "/";
        api.on("GET", "/apps", list(Map.of("app", "jupyter", "node", "gpu-1", "url", jupyter),
                Map.of("app", "evil", "node", "gpu-1", "url", "javascript:alert(1)"),
                Map.of("app", "elsewhere", "node", "gpu-1", "url", "https://elsewhere--gpu-1.apps.localhost:8443/")));
        new ConsoleBrowser(browser, "http://localhost:" + port).open("/");
        ui.awaitText("#hello", "Logged in as root-admin");
        ui.awaitText("#apps", "jupyter on gpu-1");
        assertThat(browser.driver().findElement(By.linkText("jupyter on gpu-1")).getAttribute("href")).isEqualTo(jupyter);
        assertThat(browser.text()).as("only https links of this console's apps host and port are offered")
                .doesNotContain("evil on gpu-1").doesNotContain("elsewhere on gpu-1");
        ui.screenshot("console-overview");
    }
}
