package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.policy.Decision;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who may use an app host, decided per request: identity from the app cookie, else from a client
 * certificate issued for this very app host, else the browser is sent to the console's launch
 * page (GET and HEAD) or refused with 401; then the identity check (user still listed, enabled,
 * key theirs, not locked) and the policy's app decision. An allowed request belongs to an
 * {@link AppSession}, which the caller sets on the channel before passing the request on.
 *
 * <p>Paths under {@code /.gatehouse/} are the gateway's own and never reach the app.
 */
final class AppGate {
    /** Where the app host's own pages live. */
    static final String OWN_PREFIX = "/.gatehouse/";
    /** The header apps read identity from; a client-sent copy never passes (RFC 9110 section 5.3: all copies go). */
    static final String ASSERTION_HEADER = AssertionSigner.HEADER;

    /** Either an answer the gateway gives itself, or the session the request goes on under. */
    record Verdict(FullHttpResponse answer, AppSession session) {}

    private final WebContext web;

    AppGate(WebContext web) {
        this.web = web;
    }

    Verdict judge(WebRequest r, HostRoute.App app, ByteBufAllocator alloc) {
        String path = r.path();
        if (path.startsWith(OWN_PREFIX)) {
            return new Verdict(own(r, app, path, alloc), null);
        }
        // a name the policy declares no app for is answered like an unknown host, never sent to log in
        // first: there is nothing behind it (the issue: "unknown names get a clear 404 page")
        if (!web.policy().declared(app.app(), app.node())) {
            return new Verdict(Html.page(alloc, HttpResponseStatus.NOT_FOUND, "Unknown app",
                    "<p>This gateway has no app <code>" + Html.escape(app.app()) + "</code> on node <code>"
                            + Html.escape(app.node()) + "</code>.</p>"), null);
        }
        Instant now = web.clock().instant();
        Identity who;
        Instant notAfter;
        String key;
        AppSession.Via via;
        Optional<SessionCookies.Claims> cookie = cookie(r, app);
        CertificateCheck presented = cookie.isPresent() ? CertificateCheck.NONE : certificate(r, app);
        Optional<ClientCertificate> cert = Optional.ofNullable(presented.certificate());
        if (cookie.isPresent()) {
            SessionCookies.Claims c = cookie.get();
            who = new Identity(c.user(), c.keyFingerprint(), r.source());
            notAfter = c.expires();
            key = "web:" + c.webSession();
            via = AppSession.Via.COOKIE;
        } else if (cert.isPresent()) {
            ClientCertificate c = cert.get();
            who = new Identity(c.user(), c.keyFingerprint(), r.source());
            notAfter = c.notAfter();
            key = "cert:" + c.serial();
            via = AppSession.Via.CLIENT_CERT;
        } else if (presented.refusal() != null) {
            // a client that shows a certificate is a program with its own identity, not a browser to
            // send to a login page: it gets the reason (the event is written by certificate())
            return new Verdict(Html.page(alloc, HttpResponseStatus.FORBIDDEN, "Access denied",
                    "<p>" + Html.escape(app.app()) + " on " + Html.escape(app.node()) + ": " + Html.escape(presented.refusal()) + "</p>"),
                    null);
        } else if (r.navigation()) {
            return new Verdict(Html.redirect(alloc, web.site().consoleOrigin() + "/launch?to="
                    + URLEncoder.encode(app.label(), StandardCharsets.UTF_8) + "&path="
                    + URLEncoder.encode(r.request().uri(), StandardCharsets.UTF_8)), null);
        } else {
            web.denied(null, r.source(), app.app(), app.node(), "not logged in: no app cookie or client certificate for this app");
            FullHttpResponse res = Html.page(alloc, HttpResponseStatus.UNAUTHORIZED, "Not logged in",
                    "<p>Use a browser session (open " + Html.escape(web.site().consoleOrigin()) + "/) or a client certificate"
                            + " from <code>app-cert " + Html.escape(app.app() + "@" + app.node()) + "</code>.</p>");
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Cookie realm=\"gatehouse\"");
            return new Verdict(res, null);
        }
        Optional<String> problem = web.identityProblem(who);
        if (problem.isPresent()) {
            return deny(who, app, problem.get(), alloc);
        }
        Decision d = web.policy().decideApp(who.user(), app.app(), app.node(), web.state().get(), now);
        if (!d.allowed()) {
            return deny(who, app, d.reason(), alloc);
        }
        Optional<AppRoute> route = web.policy().route(app.app(), app.node(), d);
        if (route.isEmpty()) {
            return deny(who, app, "app " + app.app() + " on node " + app.node() + " is not in the policy", alloc);
        }
        if (!web.audit().acceptingSessions()) {
            return new Verdict(Html.page(alloc, HttpResponseStatus.SERVICE_UNAVAILABLE, "Unavailable",
                    "<p>" + Html.escape(dev.gatehouse.gateway.session.AuditTrail.refusedWhileDown("new app sessions")) + "</p>"),
                    null);
        }
        Instant expires = d.grantEnd() != null && d.grantEnd().isBefore(notAfter) ? d.grantEnd() : notAfter;
        AppSession s = web.sessions().session(key, app.host(), who, route.get(), via, expires, web.tenantOf(who.user()));
        if (s.ended()) {
            return deny(who, app, "the app session has ended", alloc);
        }
        stripCredentials(r);
        s.admitted();
        return new Verdict(null, s);
    }

    private Verdict deny(Identity who, HostRoute.App app, String reason, ByteBufAllocator alloc) {
        web.denied(who.user(), who.source(), app.app(), app.node(), reason);
        return new Verdict(Html.page(alloc, HttpResponseStatus.FORBIDDEN, "Access denied",
                "<p>" + Html.escape(app.app()) + " on " + Html.escape(app.node()) + ": " + Html.escape(reason) + "</p>"), null);
    }

    /** The verified app cookie for this host; a refused one is audited and treated as none. */
    private Optional<SessionCookies.Claims> cookie(WebRequest r, HostRoute.App app) {
        String value = r.cookie(SessionCookies.APP);
        if (value == null) {
            return Optional.empty();
        }
        SessionCookies.Verdict v = web.cookies().verify(value, app.host());
        if (v.claims().isEmpty()) {
            web.denied(null, r.source(), app.app(), app.node(), v.refusal());
        }
        return v.claims();
    }

    /** What a presented client certificate says on this host: a usable certificate, a refusal, or neither (none shown). */
    private record CertificateCheck(ClientCertificate certificate, String refusal) {
        static final CertificateCheck NONE = new CertificateCheck(null, null);
    }

    /**
     * The client certificate issued for this very app host; one for another app, or expired, is a
     * refusal (audited as {@code app.denied}), never a reason to fall back to a login page.
     */
    private CertificateCheck certificate(WebRequest r, HostRoute.App app) {
        if (r.peer() == null) {
            return CertificateCheck.NONE;
        }
        Optional<ClientCertificate> c = web.certificates().read(r.peer());
        String refusal;
        if (c.isEmpty()) {
            refusal = "the client certificate is not an app certificate of this gateway (ssh GATEWAY app-cert APP@NODE)";
        } else if (!c.get().appLabel().equalsIgnoreCase(app.label())) {
            refusal = "client certificate is for " + WebContext.clip(c.get().appLabel()) + ", not this app";
        } else if (!web.clock().instant().isBefore(c.get().notAfter())) {
            refusal = "the client certificate expired at " + c.get().notAfter();
        } else {
            return new CertificateCheck(c.get(), null);
        }
        web.denied(c.map(ClientCertificate::user).orElse(null), r.source(), app.app(), app.node(), refusal);
        return new CertificateCheck(null, refusal);
    }

    /** {@code /.gatehouse/launch?token=T&path=P}: exchanges a launch token for this host's app cookie. */
    private FullHttpResponse own(WebRequest r, HostRoute.App app, String path, ByteBufAllocator alloc) {
        if (!path.equals(OWN_PREFIX + "launch") || !r.navigation()) {
            return Html.page(alloc, HttpResponseStatus.NOT_FOUND, "Not found", "<p>No such gateway page.</p>");
        }
        String target = r.query("path");
        if (target == null) {
            target = "/";
        }
        if (!LaunchPath.safe(target)) {
            return Html.page(alloc, HttpResponseStatus.BAD_REQUEST, "Bad launch link",
                    "<p>The link's <code>path</code> must be a path on this host, starting with a single <code>/</code>.</p>");
        }
        String token = r.query("token");
        if (r.crossSite()) {
            // session fixation: launch links come by redirect from the console, in the gateway's
            // own site; another site's page may not plant its holder's app session here
            String why = "the launch link was opened from another site";
            web.denied(null, r.source(), app.app(), app.node(), why);
            return Html.page(alloc, HttpResponseStatus.FORBIDDEN, "Launch link refused",
                    "<p>" + Html.escape(why) + ". Open the app from <a href=\"" + Html.escape(web.site().consoleOrigin())
                            + "/\">the console</a>.</p>");
        }
        Optional<Launch> launch = web.launches().redeem(token);
        if (launch.isEmpty() || !launch.get().appHost().equals(app.host())) {
            String why = launch.isEmpty() ? web.launches().refusal(token) : "the launch link is for another app host";
            web.denied(launch.map(l -> l.identity().user()).orElse(null), r.source(), app.app(), app.node(), why);
            return Html.page(alloc, HttpResponseStatus.BAD_REQUEST, "Launch link refused",
                    "<p>" + Html.escape(why) + ". Open the app again from <a href=\"" + Html.escape(web.site().consoleOrigin())
                            + "/\">the console</a>.</p>");
        }
        Launch l = launch.get();
        String value = web.cookies().mint(app.host(), new SessionCookies.Claims(l.identity().user(), l.webSession(),
                l.identity().keyFingerprint(), l.notAfter()), l.notAfter());
        Instant expires = web.cookies().verify(value, app.host()).claims().map(SessionCookies.Claims::expires)
                .orElse(web.clock().instant());
        FullHttpResponse res = Html.redirect(alloc, target);
        res.headers().add(HttpHeaderNames.SET_COOKIE, SessionCookies.setCookie(SessionCookies.APP, value, expires,
                web.clock().instant()));
        return res;
    }

    /**
     * Removes what proves identity to the gateway from the request before it goes to the app: the
     * app cookie (a bearer credential the app must never see) and any client-sent assertion header.
     * The app's own cookies pass unchanged.
     */
    static void stripCredentials(WebRequest r) {
        var headers = r.request().headers();
        headers.remove(ASSERTION_HEADER);
        List<String> kept = new ArrayList<>();
        for (String header : headers.getAll(HttpHeaderNames.COOKIE)) {
            for (String part : header.split(";")) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                String name = eq < 0 ? p : p.substring(0, eq).trim();
                if (!name.equals(SessionCookies.APP) && !name.equals(SessionCookies.CONSOLE)) {
                    kept.add(p);
                }
            }
        }
        headers.remove(HttpHeaderNames.COOKIE);
        if (!kept.isEmpty()) {
            headers.set(HttpHeaderNames.COOKIE, String.join("; ", kept));
        }
    }
}
