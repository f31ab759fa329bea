package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import dev.gatehouse.gateway.session.EventType;
import java.time.Duration;
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

    private void unauthenticated(String host, int times) {
        for (int i = 0; i < times; i++) {
            FullHttpRequest post = WebFixture.get("/api/kernels", host);
            post.setMethod(HttpMethod.POST);
            FullHttpResponse r = f.send(host, post);
            assertThat(r.status()).as("the answer does not change past the audit budget").isEqualTo(HttpResponseStatus.UNAUTHORIZED);
            r.release();
        }
    }

    /**
     * Threat: a client hammering a refused app writes one audit event per request, filling the
     * store and burying other events; the count must still reach the log.
     */
    @Test
    void aDeniedFloodWritesAtMostTheBudgetAMinuteThenOneEventWithTheCount() {
        unauthenticated(WebFixture.APP_HOST, 100);
        assertThat(f.events("app.denied")).hasSize(DeniedAudit.PER_MINUTE);
        assertThat(f.events("audit.suppressed")).as("nothing until the window ends").isEmpty();

        f.clock.advance(Duration.ofSeconds(61));
        f.web.deniedAudit().cleanUp();
        assertThat(f.events("audit.suppressed")).singleElement().satisfies(e -> {
            assertThat(e.details()).containsEntry("count", String.valueOf(100 - DeniedAudit.PER_MINUTE)).containsEntry("app", "jupyter")
                    .containsEntry("events", "app.denied");
            assertThat(e.node()).isEqualTo("gpu-node-1");
        });
        assertThat(f.events("app.denied")).hasSize(DeniedAudit.PER_MINUTE);
    }

    @Test
    void theCountGoesIntoTheNextWrittenDenialWhenTheFloodGoesOn() {
        unauthenticated(WebFixture.APP_HOST, DeniedAudit.PER_MINUTE + 5);
        // one token comes back every 60/PER_MINUTE s
        f.clock.advance(Duration.ofSeconds(60 / DeniedAudit.PER_MINUTE));
        unauthenticated(WebFixture.APP_HOST, 1);

        var written = f.events("app.denied");
        assertThat(written).hasSize(DeniedAudit.PER_MINUTE + 1);
        assertThat(written).filteredOn(e -> e.details().containsKey("suppressed_before")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("suppressed_before", "5"));
        f.clock.advance(Duration.ofSeconds(61));
        f.web.deniedAudit().cleanUp();
        assertThat(f.events("audit.suppressed")).as("the count was written once, not twice").isEmpty();
    }

    @Test
    void eachAppHasItsOwnBudget() {
        unauthenticated(WebFixture.APP_HOST, DeniedAudit.PER_MINUTE + 3);
        unauthenticated("other--gpu-node-1.apps.localhost", 2);
        assertThat(f.events("app.denied")).filteredOn(e -> "other".equals(e.details().get("app"))).hasSize(2);
    }

    /** Threat: a client that opens a new connection (a new source port) for each request escapes its budget. */
    @Test
    void newConnectionsFromOneAddressShareItsBudget() {
        DeniedAudit budget = new DeniedAudit(f.audit, f.clock, null);
        for (int i = 0; i < DeniedAudit.PER_MINUTE + 10; i++) {
            String source = "192.0.2.7:" + (40000 + i);
            budget.append(null, source, "jupyter", "gpu-node-1", f.audit.event(EventType.APP_DENIED, "denied").withSource(source)
                    .withTarget("gpu-node-1", null).with("app", "jupyter").with("reason", "not logged in"));
        }
        assertThat(f.events("app.denied")).hasSize(DeniedAudit.PER_MINUTE);
        f.clock.advance(Duration.ofSeconds(61));
        budget.cleanUp();
        assertThat(f.events("audit.suppressed")).singleElement()
                .satisfies(e -> assertThat(e.details()).containsEntry("count", "10"));
    }

    /** A user's denials count against the user wherever they come from. */
    @Test
    void aUsersDenialsShareOneBudgetAcrossSources() {
        DeniedAudit budget = new DeniedAudit(f.audit, f.clock, null);
        for (int i = 0; i < DeniedAudit.PER_MINUTE + 5; i++) {
            String source = "198.51.100." + (i % 200 + 1) + ":443";
            budget.append("bob", source, "jupyter", "gpu-node-1", f.audit.event(EventType.APP_DENIED, "denied").withUser("bob")
                    .withSource(source).withTarget("gpu-node-1", null).with("app", "jupyter").with("reason", "no role lists it"));
        }
        assertThat(f.events("app.denied")).hasSize(DeniedAudit.PER_MINUTE);
    }

    @Test
    void aSourceIsItsAddressWithoutThePortAndAnIpv6ClientItsSlash64() {
        assertThat(DeniedAudit.sourceKey("192.0.2.7:50000")).isEqualTo("192.0.2.7");
        assertThat(DeniedAudit.sourceKey("[2001:db8:1:2::77]:443")).isEqualTo("2001:db8:1:2::/64");
        assertThat(DeniedAudit.sourceKey("embedded")).isEqualTo("embedded");
    }
}
