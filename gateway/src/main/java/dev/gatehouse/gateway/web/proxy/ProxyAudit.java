package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.gateway.web.AppSessionContext;
import dev.gatehouse.recorder.AuditEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** The proxy's audit events, with the fields the team agreed for {@code app.request}, {@code app.websocket} and {@code app.denied}. */
final class ProxyAudit {
    private final AuditTrail audit;
    private final Clock clock;

    ProxyAudit(AuditTrail audit, Clock clock) {
        this.audit = audit;
        this.clock = clock;
    }

    /** False while the audit store refuses writes and the operator chose to fail closed: requests are then refused. */
    boolean accepting() {
        return audit.acceptingSessions();
    }

    Instant now() {
        return clock.instant();
    }

    private AuditEvent base(EventType type, String outcome, AppSessionContext s) {
        AppRoute r = s.route();
        return audit.event(type, outcome).withUser(s.identity().user()).withSource(s.identity().source())
                .withTarget(r.node().name(), r.login()).withSessionId(s.id()).with("app", r.app());
    }

    /**
     * {@code app.request}: success for a status below 500, failure otherwise (or when no status was
     * sent); {@code error} says why a request ended without its response, when it did.
     */
    void request(AppSessionContext s, Exchange x, String error) {
        if (x.audited) {
            return;
        }
        x.audited = true;
        boolean ok = x.status > 0 && x.status < 500 && error == null;
        audit.append(base(EventType.APP_REQUEST, ok ? "success" : "failure", s)
                .with("method", x.method).with("path", x.path).with("query_sha256", x.querySha256)
                .with("status", x.status > 0 ? x.status : null).with("bytes_in", x.bytesIn).with("bytes_out", x.bytesOut)
                .with("duration_ms", Duration.between(x.started, clock.instant()).toMillis()).with("error", error));
        s.count(1, x.bytesIn, x.bytesOut);
        s.done(x);
    }

    /** {@code app.websocket} phase=open, at the app's 101. */
    void webSocketOpen(AppSessionContext s, String path) {
        audit.append(base(EventType.APP_WEBSOCKET, "success", s).with("path", path).with("phase", "open"));
    }

    /** {@code app.websocket} phase=close, with frames and bytes each way ({@code in}: client to app). */
    void webSocketClose(AppSessionContext s, String path, Instant opened, FrameCounter in, FrameCounter out) {
        int code = in.closeCode() >= 0 ? in.closeCode() : out.closeCode();
        audit.append(base(EventType.APP_WEBSOCKET, "success", s).with("path", path).with("phase", "close")
                .with("frames_in", in.frames()).with("frames_out", out.frames())
                .with("bytes_in", in.bytes()).with("bytes_out", out.bytes())
                .with("duration_ms", Duration.between(opened, clock.instant()).toMillis())
                .with("close_code", code >= 0 ? code : null));
    }

    /** {@code app.denied}: a request on a session that has ended. */
    void denied(AppSessionContext s, String reason) {
        audit.append(base(EventType.APP_DENIED, "denied", s).with("reason", reason));
    }
}
