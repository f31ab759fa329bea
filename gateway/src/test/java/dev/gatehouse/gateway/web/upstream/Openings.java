package dev.gatehouse.gateway.web.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.gateway.web.AppStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The connector tests' view of a failed {@code AppConnector.open}. */
final class Openings {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private Openings() {}

    /**
     * The {@link UpstreamException} {@code opening} fails with, within 20 s; an assertion error if
     * it opens a stream (closed here), fails with anything else, or does not finish in time.
     */
    static UpstreamException failure(CompletableFuture<AppStream> opening) {
        try {
            AppStream s = opening.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            s.close();
            throw new AssertionError("the stream opened: " + s.describe());
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(UpstreamException.class);
            return (UpstreamException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
