package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.SessionIds;
import dev.gatehouse.policy.Decision;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The console host's pages: {@code /login?ticket=T} (redeem a {@code web-login} ticket, set the
 * console cookie), {@code /} (who you are, the apps you can reach), {@code /launch?to=APP--NODE&path=P}
 * (hand the console session to an app host with a one-time token) and
 * {@code /.well-known/jwks.json} (the assertion keys), and the {@link dev.gatehouse.gateway.web.console.ConsoleUi}'s
 * pages and assets for other paths ({@code /} too when the UI has a page for it). Only GET and
 * HEAD; everything else is 405. The JSON API ({@code /api/v1/}) is {@link ConsoleApi}'s.
 */
final class ConsolePages {
    private final WebContext web;

    ConsolePages(WebContext web) {
        this.web = web;
    }

    FullHttpResponse answer(WebRequest r, ByteBufAllocator alloc) {
        if (!r.navigation()) {
            FullHttpResponse res = Html.page(alloc, HttpResponseStatus.METHOD_NOT_ALLOWED, "Method not allowed",
                    "<p>The console takes GET requests only.</p>");
            res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return res;
        }
        Optional<dev.gatehouse.gateway.web.console.ConsoleUi.Resource> page = switch (r.path()) {
            case "/login", "/launch", "/.well-known/jwks.json" -> Optional.empty();
            default -> web.console().ui().resource(r.path(), r.request().headers().get(HttpHeaderNames.IF_NONE_MATCH));
        };
        if (page.isPresent()) {
            return ConsoleApi.full(alloc, new ConsoleApi.Answer(page.get().body(), page.get().headers()), false);
        }
        return switch (r.path()) {
            case "/login" -> login(r, alloc);
            case "/" -> home(r, alloc);
            case "/launch" -> launch(r, alloc);
            case "/.well-known/jwks.json" -> Html.text(alloc, HttpResponseStatus.OK, "application/jwk-set+json",
                    web.assertions().get().jwksJson());
            default -> Html.page(alloc, HttpResponseStatus.NOT_FOUND, "Not found",
                    "<p>There is no page " + Html.escape(r.path()) + " here.</p>");
        };
    }

    /**
     * The console's answers that wait on the network: the OpenID Connect login
     * ({@code /login/oidc?next=P} and its callback). Null for any other request, which
     * {@link #answer} serves at once.
     */
    java.util.concurrent.CompletableFuture<FullHttpResponse> later(WebRequest r, ByteBufAllocator alloc) {
        String path = r.path();
        if (!path.equals("/login/oidc") && !path.equals(dev.gatehouse.gateway.web.oidc.OidcConfig.CALLBACK_PATH)) {
            return null;
        }
        dev.gatehouse.gateway.web.oidc.OidcLogin oidc = web.oidc().get();
        if (oidc == null || !r.navigation()) {
            return java.util.concurrent.CompletableFuture.completedFuture(Html.page(alloc, HttpResponseStatus.NOT_FOUND,
                    "Not found", "<p>Login through an identity provider is not set up here (web.oidc).</p>"));
        }
        if (path.equals("/login/oidc")) {
            return oidc.start(r.query("next")).handle((start, failure) -> {
                if (failure != null) {
                    return oidcRefused(r, null, failure, alloc);
                }
                FullHttpResponse res = Html.redirect(alloc, start.authorizationRedirect().toString());
                res.headers().add(HttpHeaderNames.SET_COOKIE, start.setCookie());
                return res;
            });
        }
        java.util.Map<String, String> query = new java.util.HashMap<>();
        new io.netty.handler.codec.http.QueryStringDecoder(r.request().uri()).parameters()
                .forEach((k, v) -> query.put(k, v.get(0)));
        return oidc.finish(query, r.cookie(dev.gatehouse.gateway.web.oidc.OidcLogin.STATE_COOKIE)).handle((result, failure) -> {
            if (failure != null) {
                return oidcRefused(r, null, failure, alloc);
            }
            Identity id = new Identity(result.user(), "", r.source());
            Optional<String> problem = web.identityProblem(id);
            if (problem.isPresent()) {
                web.loginRefused(id.user(), r.source(), problem.get());
                return Html.page(alloc, HttpResponseStatus.FORBIDDEN, "Login refused", "<p>" + Html.escape(problem.get()) + ".</p>");
            }
            FullHttpResponse res = signIn(id, result.next(), alloc, "oidc");
            res.headers().add(HttpHeaderNames.SET_COOKIE, dev.gatehouse.gateway.web.oidc.OidcLogin.CLEAR_STATE_COOKIE);
            return res;
        });
    }

    private FullHttpResponse oidcRefused(WebRequest r, String user, Throwable failure, ByteBufAllocator alloc) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        String why = cause instanceof dev.gatehouse.gateway.web.oidc.OidcRefusal o ? o.getMessage() : "the login could not be finished";
        HttpResponseStatus status = cause instanceof dev.gatehouse.gateway.web.oidc.OidcRefusal o
                && o.reason() == dev.gatehouse.gateway.web.oidc.OidcRefusal.Reason.PROVIDER_UNAVAILABLE
                ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.BAD_REQUEST;
        web.loginRefused(user, r.source(), why);
        return Html.page(alloc, status, "Login refused", "<p>" + Html.escape(why) + "</p><p><a href=\"/\">Start again</a>.</p>");
    }

    /** Starts a console session for {@code id}: the cookie, {@code web.login} used, and a redirect to {@code next}. */
    private FullHttpResponse signIn(Identity id, String next, ByteBufAllocator alloc, String via) {
        String sid = SessionIds.next(web.clock());
        String value = web.cookies().mint(web.site().hostname(), new SessionCookies.Claims(id.user(), sid,
                id.keyFingerprint() == null ? "" : id.keyFingerprint(), null), null);
        SessionCookies.Verdict minted = web.cookies().verify(value, web.site().hostname());
        web.audit().append(web.audit().event(EventType.WEB_LOGIN, "success").withUser(id.user()).withSource(id.source())
                .withSessionId(sid).with("step", "used").with("via", via));
        FullHttpResponse res = Html.redirect(alloc, LaunchPath.safe(next) ? next : "/");
        res.headers().add(HttpHeaderNames.SET_COOKIE, SessionCookies.setCookie(SessionCookies.CONSOLE, value,
                minted.claims().orElseThrow().expires(), web.clock().instant()));
        return res;
    }

    private FullHttpResponse login(WebRequest r, ByteBufAllocator alloc) {
        String ticket = r.query("ticket");
        String site = r.fetchSite();
        if (site != null && !site.equals("none") && !site.equals("same-origin")) {
            // login CSRF: the link is opened from the terminal web-login printed it in, never from
            // a page (another site's, or an app host's, which shares the console's site); the ticket
            // stays unspent for its owner
            String why = "the login link was opened from a web page (" + WebContext.clip(site)
                    + "); paste it into the address bar instead";
            web.loginRefused(null, r.source(), why);
            return Html.page(alloc, HttpResponseStatus.FORBIDDEN, "Login link refused", "<p>" + Html.escape(why) + ".</p>");
        }
        Optional<Identity> who = web.login().redeem(ticket);
        if (who.isEmpty()) {
            String why = web.login().refusal(ticket);
            web.loginRefused(null, r.source(), why);
            return Html.page(alloc, HttpResponseStatus.BAD_REQUEST, "Login link refused",
                    "<p>" + Html.escape(why) + ".</p><p>Run <code>" + Html.escape(sshHint()) + "</code> for a new one.</p>");
        }
        Identity id = new Identity(who.get().user(), who.get().keyFingerprint(), r.source());
        Optional<String> problem = web.identityProblem(id);
        if (problem.isPresent()) {
            web.loginRefused(id.user(), r.source(), problem.get());
            return Html.page(alloc, HttpResponseStatus.FORBIDDEN, "Login refused", "<p>" + Html.escape(problem.get()) + ".</p>");
        }
        return signIn(id, "/", alloc, "ticket");
    }

    /** The console session of {@code r}, verified and still held; empty (and audited when refused) otherwise. */
    private Optional<SessionCookies.Claims> console(WebRequest r) {
        String value = r.cookie(SessionCookies.CONSOLE);
        if (value == null) {
            return Optional.empty();
        }
        SessionCookies.Verdict v = web.cookies().verify(value, web.site().hostname());
        if (v.claims().isEmpty()) {
            web.loginRefused(null, r.source(), v.refusal());
            return Optional.empty();
        }
        SessionCookies.Claims c = v.claims().get();
        Optional<String> problem = web.identityProblem(new Identity(c.user(), c.keyFingerprint(), r.source()));
        if (problem.isPresent()) {
            web.loginRefused(c.user(), r.source(), problem.get());
            return Optional.empty();
        }
        return Optional.of(c);
    }

    private FullHttpResponse home(WebRequest r, ByteBufAllocator alloc) {
        Optional<SessionCookies.Claims> who = console(r);
        if (who.isEmpty()) {
            return Html.page(alloc, HttpResponseStatus.OK, "Home",
                    "<p>You are not logged in. Run <code>" + Html.escape(sshHint())
                            + "</code> and open the link it prints (it works once, for a minute).</p>");
        }
        String user = who.get().user();
        List<HostRoute.App> apps = web.policy().reachableApps(user, web.site().hostname());
        StringBuilder body = new StringBuilder("<p>Logged in as <strong>").append(Html.escape(user)).append("</strong>.</p>\n");
        if (apps.isEmpty()) {
            body.append("<p>No apps are open to you.</p>");
        } else {
            body.append("<h2>Your apps</h2>\n<ul>\n");
            for (HostRoute.App a : apps) {
                body.append("<li><a href=\"").append(Html.escape(web.site().appOrigin(a.host()) + "/")).append("\">")
                        .append(Html.escape(a.app())).append(" on ").append(Html.escape(a.node())).append("</a></li>\n");
            }
            body.append("</ul>");
        }
        return Html.page(alloc, HttpResponseStatus.OK, "Home", body.toString());
    }

    private FullHttpResponse launch(WebRequest r, ByteBufAllocator alloc) {
        String to = r.query("to");
        String path = r.query("path");
        if (path == null) {
            path = "/";
        }
        HostRoute route = to == null ? null : HostRoute.of(to + ".apps." + web.site().hostname(), web.site().hostname());
        if (!(route instanceof HostRoute.App app) || !app.label().equals(to.toLowerCase(java.util.Locale.ROOT))) {
            return Html.page(alloc, HttpResponseStatus.BAD_REQUEST, "Bad launch link",
                    "<p>The link names no app host (<code>to=APP--NODE</code>).</p>");
        }
        if (!LaunchPath.safe(path)) {
            return Html.page(alloc, HttpResponseStatus.BAD_REQUEST, "Bad launch link",
                    "<p>The link's <code>path</code> must be a path on the app's host, starting with a single <code>/</code>.</p>");
        }
        if (r.cookie(SessionCookies.CONSOLE) == null && !"same-origin".equals(r.fetchSite())) {
            // the Strict console cookie is withheld when another site (or an app host on another
            // site) started this navigation; navigating once more from this origin carries it, and
            // that second request says same-origin, so this never loops
            return Html.renavigate(alloc, r.request().uri());
        }
        Optional<SessionCookies.Claims> who = console(r);
        if (who.isEmpty()) {
            return Html.page(alloc, HttpResponseStatus.UNAUTHORIZED, "Log in first",
                    "<p>To open " + Html.escape(app.app()) + " on " + Html.escape(app.node()) + ", run <code>"
                            + Html.escape(sshHint()) + "</code>, open the link it prints, then come back to "
                            + "<a href=\"" + Html.escape(web.site().appOrigin(app.host()) + path) + "\">the app</a>.</p>");
        }
        SessionCookies.Claims c = who.get();
        Instant now = web.clock().instant();
        Decision d = web.policy().decideApp(c.user(), app.app(), app.node(), web.state().get(), now);
        if (!d.allowed()) {
            web.denied(c.user(), r.source(), app.app(), app.node(), d.reason());
            return Html.page(alloc, HttpResponseStatus.FORBIDDEN, "Access denied",
                    "<p>" + Html.escape(d.reason()) + "</p>");
        }
        String token = web.launches().issue(new Launch(new Identity(c.user(), c.keyFingerprint(), r.source()), c.webSession(),
                c.expires(), app.host()));
        return Html.redirect(alloc, web.site().appOrigin(app.host()) + "/.gatehouse/launch?token=" + token + "&path="
                + URLEncoder.encode(path, StandardCharsets.UTF_8));
    }

    private String sshHint() {
        return web.site().webLoginCommand();
    }
}
