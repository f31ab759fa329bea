package dev.gatehouse.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What a person does on the console's pages, driven through {@link Browser}: approve or deny a
 * request, terminate or observe a live session, search recorded sessions and play one. The same
 * steps run against the pages over a scripted API ({@link ConsoleStub}) and against the real
 * gateway. Screenshots go to {@code target/screenshots/} (test artefacts).
 */
final class ConsoleBrowser {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private final Browser b;
    private final String origin;

    ConsoleBrowser(Browser b, String origin) {
        this.b = b;
        this.origin = origin;
    }

    Browser browser() {
        return b;
    }

    /** Opens a console page ({@code /requests}, ...) and waits until its script has drawn the navigation. */
    void open(String path) {
        b.open(origin + path);
        b.await("header#top nav");
    }

    /** Opens a page that is expected not to draw the navigation (the login notice). */
    void openBare(String path) {
        b.open(origin + path);
    }

    /** The page's status line (what the last action said). */
    String status() {
        return b.driver().findElement(By.id("status")).getText();
    }

    /** Waits until {@code css} is visible and its text contains {@code text} (the page may redraw meanwhile); returns the element. */
    WebElement awaitText(String css, String text) {
        return new WebDriverWait(b.driver(), Browser.WAIT).ignoring(StaleElementReferenceException.class).until(d -> {
            for (WebElement e : d.findElements(By.cssSelector(css))) {
                if (e.isDisplayed() && e.getText().contains(text)) {
                    return e;
                }
            }
            return null;
        });
    }

    /**
     * Clicks {@code action} ({@code approve}, {@code deny}, {@code terminate}, {@code unlock}) in the
     * row marked {@code rowAttr=rowId} (unless its inline form is still open from a refused try),
     * types {@code text} into the form and submits it.
     */
    void actWithText(String rowAttr, String rowId, String action, String text) {
        String row = "[" + rowAttr + "=\"" + rowId + "\"]";
        if (b.driver().findElements(By.cssSelector(row + " form.inline")).isEmpty()) {
            b.await(row + " button[data-action=\"" + action + "\"]").click();
        }
        WebElement input = b.await(row + " form.inline input[name=text]");
        input.clear();
        if (!text.isEmpty()) {
            input.sendKeys(text);
        }
        b.driver().findElement(By.cssSelector(row + " form.inline button[type=submit]")).click();
    }

    void approve(String requestId, String comment) {
        actWithText("data-request", requestId, "approve", comment);
    }

    void deny(String requestId, String reason) {
        actWithText("data-request", requestId, "deny", reason);
    }

    void terminate(String sessionId, String reason) {
        actWithText("data-session", sessionId, "terminate", reason);
    }

    /** Clicks Observe for {@code sessionId} on the Live page and returns the terminal element it fills. */
    WebElement observe(String sessionId) {
        b.await("[data-session=\"" + sessionId + "\"] button[data-action=observe]").click();
        return b.await("#observe-output");
    }

    /** Fills the Sessions search form ({@code q} is the command text) and submits it. */
    void searchSessions(Map<String, String> fields) {
        open("/sessions");
        for (var f : fields.entrySet()) {
            WebElement input = b.await("#search [name=\"" + f.getKey() + "\"]");
            input.clear();
            input.sendKeys(f.getValue());
        }
        b.driver().findElement(By.cssSelector("#search button[type=submit]")).click();
    }

    /** Starts the player on a session page and waits until its terminal shows {@code text}. */
    String playUntil(String text, Duration atMost) {
        b.await("#player .ap-player");
        WebElement start = b.await("#player .ap-overlay-start, #player .ap-playback-button");
        start.click();
        return new WebDriverWait(b.driver(), atMost).until(d -> {
            Object shown = ((JavascriptExecutor) b.driver()).executeScript(
                    "const t = document.querySelector('#player .ap-term'); return t ? t.textContent : '';");
            return String.valueOf(shown).contains(text) ? String.valueOf(shown) : null;
        });
    }

    /** Saves a PNG of the window as {@code target/screenshots/NAME.png}. */
    Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path to = SCREENSHOTS.resolve(name + ".png");
            Path shot = ((TakesScreenshot) b.driver()).getScreenshotAs(OutputType.FILE).toPath();
            Files.move(shot, to, StandardCopyOption.REPLACE_EXISTING);
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
