package dev.gatehouse.e2e;

import java.time.Duration;
import java.util.Set;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What a person does in Jupyter Notebook 6's pages, driven through {@link Browser}: create a
 * Python 3 notebook from the tree page's New menu, type a cell and run it with Shift+Enter (the
 * kernel's WebSocket carries the request and its output), and round-trip a file through the
 * contents API with the page's own XSRF cookie. The same code runs against Jupyter directly (the
 * harness check) and through the gateway ({@link JupyterIT}).
 */
final class NotebookUi {
    private static final Duration KERNEL_WAIT = Duration.ofSeconds(60);

    private NotebookUi() {}

    /**
     * Opens {@code origin + "/tree"}, picks New → Python 3 and switches to the notebook it opens;
     * returns once the kernel is idle (connected over its WebSocket).
     */
    static void newPythonNotebook(Browser b, String origin) {
        WebDriver d = b.driver();
        b.open(origin + "/tree");
        Set<String> before = d.getWindowHandles();
        b.await("#new-dropdown-button").click();
        b.await("#kernel-python3 a").click();
        new WebDriverWait(d, Browser.WAIT).until(x -> x.getWindowHandles().size() > before.size()
                || x.getCurrentUrl().contains("/notebooks/"));
        for (String h : d.getWindowHandles()) {
            if (!before.contains(h)) {
                d.switchTo().window(h);
            }
        }
        new WebDriverWait(d, KERNEL_WAIT).until(x -> !x.findElements(By.cssSelector("#kernel_indicator_icon.kernel_idle_icon")).isEmpty());
    }

    /** Types {@code code} into the selected cell, runs it, and returns the text of its output. */
    static String runCell(Browser b, String code) {
        WebDriver d = b.driver();
        b.await("div.cell.selected div.input_area").click();
        new Actions(d).sendKeys(code).keyDown(Keys.SHIFT).sendKeys(Keys.ENTER).keyUp(Keys.SHIFT).perform();
        return new WebDriverWait(d, KERNEL_WAIT).until(x -> {
            var outs = x.findElements(By.cssSelector("div.output_subarea"));
            return outs.isEmpty() || outs.get(0).getText().isBlank() ? null : outs.get(0).getText().strip();
        });
    }

    /**
     * PUTs a text file through the contents API ({@code /api/contents/NAME}, with the
     * {@code X-XSRFToken} header from the page's {@code _xsrf} cookie, as Jupyter's own upload does),
     * then GETs it back from {@code /files/NAME}. Returns {@code "STATUS\nCONTENT"}; the page must be
     * one of this Jupyter's (same origin).
     */
    static String uploadAndDownload(Browser b, String name, String content) {
        return String.valueOf(b.async(String.join("\n",
                "const [name, content, done] = arguments;",
                "const m = document.cookie.match(/(?:^|; )_xsrf=([^;]*)/);",
                "const xsrf = m ? decodeURIComponent(m[1]) : '';",
                "fetch('/api/contents/' + name, {method: 'PUT', credentials: 'same-origin',",
                "    headers: {'Content-Type': 'application/json', 'X-XSRFToken': xsrf},",
                "    body: JSON.stringify({type: 'file', format: 'text', content: content})})",
                "  .then(put => fetch('/files/' + name, {credentials: 'same-origin', cache: 'no-store'})",
                "    .then(r => r.text()).then(t => done(put.status + '\\n' + t)))",
                "  .catch(e => done('error ' + e));"), name, content));
    }
}
