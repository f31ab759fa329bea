package dev.gatehouse.gateway.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Best-effort JSON notifications (new requests, decisions) to a team's endpoint, e.g. a chat bridge.
 *
 * <p>{@link #send} runs entirely on the given executor and always completes with true (delivered,
 * 2xx) or false (gave up); it never throws. Connection errors, timeouts, 5xx and 429 are retried
 * with exponential backoff up to {@code maxAttempts}; other statuses, redirects included, are not,
 * since repeating them cannot help and following a redirect would send a signed body elsewhere.
 * Logs name only scheme, host and port: chat webhook URLs carry their token in the path.
 */
public final class Webhook {
    static final String SIGNATURE_HEADER = "X-Gatehouse-Signature";
    static final String DELIVERY_HEADER = "X-Gatehouse-Delivery";
    static final int MAX_ATTEMPTS_LIMIT = 10;
    private static final Logger log = LoggerFactory.getLogger(Webhook.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Waits without holding a thread; tests pass one that returns at once and records the delays. */
    @FunctionalInterface
    public interface Sleeper {
        CompletableFuture<Void> sleep(Duration delay);

        /** Real waiting, scheduled on the JDK's shared delay timer, then continued on {@code executor}. */
        static Sleeper on(Executor executor) {
            return delay -> CompletableFuture.runAsync(() -> { },
                    CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS, executor));
        }
    }

    private final URI url;
    private final String safeTarget;
    private final Duration timeout;
    private final int maxAttempts;
    private final Duration firstBackoff;
    private final Executor executor;
    private final Sleeper sleeper;
    private final byte[] signingSecret;
    private final HttpClient client;

    /** An unsigned webhook. */
    public Webhook(URI url, Duration timeout, int maxAttempts, Duration firstBackoff, Executor executor, Sleeper sleeper) {
        this(url, timeout, maxAttempts, firstBackoff, executor, sleeper, null);
    }

    /** A webhook whose bodies carry {@code X-Gatehouse-Signature: sha256=<hex HMAC-SHA256>} under {@code signingSecret}. */
    public Webhook(URI url, Duration timeout, int maxAttempts, Duration firstBackoff, Executor executor, Sleeper sleeper,
            byte[] signingSecret) {
        this.url = requireHttpUrl(url);
        this.safeTarget = url.getScheme().toLowerCase(Locale.ROOT) + "://" + url.getHost()
                + (url.getPort() >= 0 ? ":" + url.getPort() : "");
        this.timeout = requirePositive("timeout", timeout);
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
            throw new IllegalArgumentException("webhook maxAttempts must be 1.." + MAX_ATTEMPTS_LIMIT + ", got " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        Objects.requireNonNull(firstBackoff, "firstBackoff");
        if (firstBackoff.isNegative()) {
            throw new IllegalArgumentException("webhook firstBackoff must not be negative, got " + firstBackoff);
        }
        this.firstBackoff = firstBackoff;
        this.executor = Objects.requireNonNull(executor, "executor");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        if (signingSecret != null && signingSecret.length < 16) {
            throw new IllegalArgumentException("webhook signing secret must be at least 16 bytes, got " + signingSecret.length);
        }
        this.signingSecret = signingSecret == null ? null : signingSecret.clone();
        this.client = HttpClient.newBuilder()
                .executor(executor)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** Posts {@code payload} as JSON; true once a 2xx arrives, false after giving up. Never blocks, never throws. */
    public CompletableFuture<Boolean> send(Map<String, Object> payload) {
        try {
            // Serialise now: the caller may change the map after we return.
            byte[] body = JSON.writeValueAsBytes(payload);
            HttpRequest request = request(body);
            return CompletableFuture.supplyAsync(() -> attempt(request, 1), executor)
                    .thenCompose(f -> f)
                    .exceptionally(e -> dropped("failed unexpectedly", rootCause(e)));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.completedFuture(dropped("could not be started", e));
        }
    }

    private CompletableFuture<Boolean> attempt(HttpRequest request, int attempt) {
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> {
                    String outcome = error != null ? rootCause(error).getClass().getSimpleName()
                            : "HTTP " + response.statusCode();
                    if (error == null && response.statusCode() / 100 == 2) {
                        return CompletableFuture.completedFuture(true);
                    }
                    boolean retryable = error != null ? rootCause(error) instanceof IOException : isRetryable(response.statusCode());
                    if (!retryable || attempt >= maxAttempts) {
                        return CompletableFuture.completedFuture(giveUp(outcome, attempt));
                    }
                    Duration backoff = firstBackoff.multipliedBy(1L << (attempt - 1));
                    log.debug("webhook {} attempt {}/{} failed ({}); retrying in {} ms", safeTarget, attempt, maxAttempts,
                            outcome, backoff.toMillis());
                    return sleeper.sleep(backoff).thenCompose(v -> attempt(request, attempt + 1));
                })
                .thenCompose(f -> f);
    }

    private HttpRequest request(byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                // Same id on every retry, so the receiver can drop duplicates after a timed-out success.
                .header(DELIVERY_HEADER, UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signingSecret != null) {
            b.header(SIGNATURE_HEADER, "sha256=" + hmacSha256Hex(signingSecret, body));
        }
        return b.build();
    }

    private boolean giveUp(String lastOutcome, int attempts) {
        log.warn("webhook {} not delivered after {} attempt(s), last outcome {}; notification dropped",
                safeTarget, attempts, lastOutcome);
        return false;
    }

    /** Only the exception type: messages of serialisation errors can quote the payload. */
    private boolean dropped(String what, Throwable e) {
        log.warn("webhook {} {} ({}); notification dropped", safeTarget, what, e.getClass().getName());
        return false;
    }

    private static boolean isRetryable(int status) {
        return status == 429 || status / 100 == 5;
    }

    static String hmacSha256Hex(byte[] secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JDK", e);
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static URI requireHttpUrl(URI url) {
        Objects.requireNonNull(url, "url");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("webhook URL must use http or https, got scheme '" + scheme + "'");
        }
        if (url.getHost() == null) {
            throw new IllegalArgumentException("webhook URL has no host; write it as https://host[:port]/path");
        }
        if (url.getRawUserInfo() != null) {
            throw new IllegalArgumentException("webhook URL must not carry user:password; use a signing secret or a token in the path");
        }
        return url;
    }

    private static Duration requirePositive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("webhook " + what + " must be positive, got " + d);
        }
        return d;
    }

    @Override
    public String toString() {
        return "Webhook[" + safeTarget + ", attempts=" + maxAttempts + ", signed=" + (signingSecret != null) + "]";
    }
}
