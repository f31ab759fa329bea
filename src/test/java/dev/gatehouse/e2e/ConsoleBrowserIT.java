package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static dev.gatehouse.e2e.WebApps.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The console in a real browser (Debian's chromium) against the real gateway jar, a real sshd
 * node and real {@code ssh} clients: what approvers, admins and auditors do there, end to end.
 * Logging in is the {@code web-login} URL, as people do. Screenshots of each page go to
 * {@code target/screenshots/} (test artefacts).
 */
class ConsoleBrowserIT extends GatewayTest {
    @Override
    Gateway.Options options() {
        return Elevations.options(false).web();
    }

    /** A browser logged in as {@code user} through the web-login URL, on the console's overview page. */
    private ConsoleBrowser loggedIn(Browser b, Gateway.User user) {
        Web web = Web.of(gw);
        b.open(Web.webLogin(gw, user));
        await().atMost(Duration.ofSeconds(20)).until(() -> b.url().equals(web.consoleUrl("/")));
        ConsoleBrowser ui = new ConsoleBrowser(b, web.consoleUrl(""));
        ui.open("/me");
        ui.awaitText("#identity", user.name());
        return ui;
    }

    private Browser browser() {
        return Browser.start(List.of(Browser.spkiPin(gw.webHostname(), gw.webPort())));
    }

    /** The id in the Live page's row whose user is {@code user}. */
    private static String liveSessionOf(ConsoleBrowser ui, String user) {
        WebElement row = ui.awaitText("#live tbody tr", user);
        return row.findElement(By.cssSelector("[data-session]")).getAttribute("data-session");
    }

    @Test
    void anApproverApprovesOnTheRequestsPageAndTheElevatedSshThenWorks() {
        String id = Elevations.request(gw, gw.alice(), ELEVATED, "30m");
        assertThat(gw.ssh(gw.alice(), ELEVATED, "id -un").exit()).as("no access before the approval").isNotZero();
        try (Browser b = browser()) {
            ConsoleBrowser ui = loggedIn(b, gw.user("bob"));
            ui.open("/");
            ui.awaitText("#hello", "Logged in as bob");
            ui.screenshot("e2e-overview");
            ui.open("/requests");
            ui.awaitText("#pending", id);
            ui.screenshot("e2e-requests");
            ui.approve(id, "e2e: approved in the browser");
            ui.awaitText("#status", "Approved request " + id);
            ui.open("/grants");
            ui.awaitText("#grants", "alice");
            ui.screenshot("e2e-grants");
            ui.open("/locks");
            ui.awaitText("#locks", "Nothing is locked");
            ui.screenshot("e2e-locks");
        }
        Proc.Result in = gw.ssh(gw.alice(), ELEVATED, "id -un").requireSuccess();
        assertThat(in.stdout().strip()).isEqualTo(Accounts.MLOPS);
    }

    @Test
    void anAdminTerminatesALiveSshSessionAndTheUserSeesTheReason() {
        try (PtySession alice = PtySession.open(gw, gw.alice(), Accounts.AIOPS + "@" + Gateway.NODE).awaitAnyOutput();
                Browser b = browser()) {
            ConsoleBrowser ui = loggedIn(b, gw.user("bob"));
            ui.open("/live");
            String session = liveSessionOf(ui, "alice");
            ui.screenshot("e2e-live");
            ui.terminate(session, "e2e: stop now");
            ui.awaitText("#status", "Terminated " + session);
            assertThat(alice.awaitExit()).as(alice.describe()).isEqualTo(255);
            assertThat(alice.describe()).contains("gatehouse: session terminated by bob: e2e: stop now");
        }
    }

    @Test
    void anAuditorObservesLiveOutput() {
        try (PtySession alice = PtySession.open(gw, gw.alice(), Accounts.AIOPS + "@" + Gateway.NODE).awaitAnyOutput();
                Browser b = browser()) {
            ConsoleBrowser ui = loggedIn(b, gw.user("carol"));
            ui.open("/live");
            String session = liveSessionOf(ui, "alice");
            WebElement term = ui.observe(session);
            // the notice goes to the user's terminal (ssh's stderr)
            await().atMost(Duration.ofSeconds(20)).until(() -> alice.describe().contains("gatehouse: carol is observing this session (read-only)"));
            alice.type("echo obs-$((6*7))\n");
            ui.awaitText("#observe-output", "obs-42");
            assertThat(term.getText()).contains("echo obs-$((6*7))");
            ui.screenshot("e2e-live-observe");
        }
    }

    @Test
    void anAuditorFindsASessionByItsCommandAndPlaysIt() {
        String tag = "t" + Keys.token().substring(0, 8).toLowerCase(java.util.Locale.ROOT);
        Proc.Result run = gw.ssh(gw.alice(), Accounts.AIOPS + "@" + Gateway.NODE, "printf 'out-%s\\n' " + tag).requireSuccess();
        assertThat(run.stdout()).contains("out-" + tag);
        try (Browser b = browser()) {
            ConsoleBrowser ui = loggedIn(b, gw.user("carol"));
            ui.searchSessions(Map.of("q", tag));
            WebElement row = ui.awaitText("#results tbody tr", tag);
            ui.screenshot("e2e-sessions");
            row.findElement(By.cssSelector("a")).click();
            ui.awaitText("#details", "alice");
            String shown = ui.playUntil("out-" + tag, Duration.ofSeconds(30));
            assertThat(shown).contains("out-" + tag);
            ui.screenshot("e2e-session");
            gw.awaitEvent("recording.viewed by carol", event("recording.viewed", "user", "carol"));
            ui.open("/audit");
            ui.awaitText("#events", "recording.viewed");
            ui.screenshot("e2e-audit");
            ui.open("/me");
            ui.awaitText("#identity", "carol");
            ui.screenshot("e2e-me");
        }
    }
}
