package dev.gatehouse.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless browser: Debian's {@code /usr/bin/chromium} driven through Debian's
 * {@code /usr/bin/chromedriver} by Selenium WebDriver (W3C WebDriver). Both paths are set
 * explicitly, so Selenium Manager never looks for, let alone downloads, a driver or a browser
 * ({@link WebFixturesIT} checks that its cache stays empty). Each browser gets a fresh profile
 * ({@code --user-data-dir}) in a temp dir, removed on close.
 *
 * <p>Trust: the browser accepts exactly the gateway's server key, pinned with
 * {@code --ignore-certificate-errors-spki-list} (base64 SHA-256 of the certificate's
 * SubjectPublicKeyInfo), rather than {@code --ignore-certificate-errors}, which would also hide a
 * wrong certificate; importing the CA would need an NSS database and {@code certutil}. The CA
 * itself is tested with {@code curl --cacert} ({@link Web}).
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    static final Duration WAIT = Duration.ofSeconds(30);

    private final ChromeDriver driver;
    private final Path profile;
    private final Path log;

    private Browser(ChromeDriver driver, Path profile, Path log) {
        this.driver = driver;
        this.profile = profile;
        this.log = log;
    }

    /** A browser that trusts no extra keys (for plain-http pages served directly). */
    static Browser start() {
        return start(List.of());
    }

    /** A browser that accepts servers whose key is in {@code spkiPins} (see {@link #spkiPin}). */
    static Browser start(List<String> spkiPins) {
        for (String exe : new String[] {CHROMIUM, CHROMEDRIVER}) {
            if (!Files.isExecutable(Path.of(exe))) {
                throw new IllegalStateException(exe + " is missing: bin/test installs chromium and chromium-driver");
            }
        }
        try {
            Path profile = Files.createTempDirectory("gatehouse-chromium-");
            Path log = profile.resolveSibling(profile.getFileName() + ".chromedriver.log");
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(CHROMEDRIVER))
                    .usingAnyFreePort()
                    .withLogFile(log.toFile())
                    // Chromium writes crash reports and caches under HOME: keep them in the temp profile
                    .withEnvironment(java.util.Map.of("HOME", profile.toString()))
                    .build();
            ChromeOptions o = new ChromeOptions();
            o.setBinary(CHROMIUM);
            List<String> args = new ArrayList<>(List.of(
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    "--user-data-dir=" + profile));
            if (!spkiPins.isEmpty()) {
                args.add("--ignore-certificate-errors-spki-list=" + String.join(",", spkiPins));
            }
            o.addArguments(args);
            return new Browser(new ChromeDriver(service, o), profile, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The base64 SHA-256 of the SubjectPublicKeyInfo of the certificate that the server on
     * {@code 127.0.0.1:port} presents for SNI {@code sniHost}: Chromium's pin format. The handshake
     * trusts anything, as it only reads the key that the browser will then be told to accept.
     */
    static String spkiPin(String sniHost, int port) {
        X509Certificate[] seen = new X509Certificate[1];
        TrustManager recorder = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException("client side only");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen[0] = chain[0];
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {recorder}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
                SSLParameters p = s.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(sniHost)));
                s.setSSLParameters(p);
                s.setSoTimeout(10_000);
                s.startHandshake();
            }
            byte[] spki = seen[0].getPublicKey().getEncoded();
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
        } catch (IOException e) {
            throw new UncheckedIOException("TLS handshake with 127.0.0.1:" + port + " (SNI " + sniHost + ")", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    WebDriver driver() {
        return driver;
    }

    void open(String url) {
        driver.get(url);
    }

    String url() {
        return driver.getCurrentUrl();
    }

    /** The visible text of the page's body. */
    String text() {
        return driver.findElement(By.tagName("body")).getText();
    }

    /** Waits until an element matching {@code css} is visible. */
    WebElement await(String css) {
        return new WebDriverWait(driver, WAIT).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    /** Runs {@code script} with WebDriver's async-script callback as its last argument; returns what it passes back. */
    Object async(String script, Object... args) {
        driver.manage().timeouts().scriptTimeout(WAIT);
        return driver.executeAsyncScript(script, args);
    }

    /** What chromedriver logged (for failure messages). */
    String log() {
        return Proc.tail(log);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            Keys.deleteTree(profile);
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }
}
