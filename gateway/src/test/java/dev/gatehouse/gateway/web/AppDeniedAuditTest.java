package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;

/** Audit truthfulness: a request an app host refuses is an {@code app.denied} event. */
class AppDeniedAuditTest extends WithWebFixture {
    /**
     * Threat: probing an app with scripted requests that carry no credential (API calls, a
     * scanner) leaves no trace in the audit log, though each was refused with a 401.
     */
    @Test
    void aRequestWithoutCredentialsRefusedWith401IsAudited() {
        FullHttpRequest post = WebFixture.get("/api/kernels?token=secret", WebFixture.APP_HOST);
        post.setMethod(HttpMethod.POST);
        FullHttpResponse r = f.send(WebFixture.APP_HOST, post);
        assertThat(r.status()).isEqualTo(HttpResponseStatus.UNAUTHORIZED);
        r.release();
        assertThat(f.events("app.denied")).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo("denied");
            assertThat(e.details()).containsEntry("app", "jupyter");
            assertThat(e.node()).isEqualTo("gpu-node-1");
            assertThat(e.details().get("reason").toString()).contains("no app cookie or client certificate");
            assertThat(e.details().toString()).doesNotContain("secret");
        });
    }
}
