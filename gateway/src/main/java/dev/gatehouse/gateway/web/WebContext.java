package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.IdentityCheck;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Printable;
import dev.gatehouse.recorder.AuditEvent;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the web front's request handlers share, built once per listener.
 *
 * @param site the console host name and bound port
 * @param cookies cookie minting and checking
 * @param login the {@code web-login} tickets
 * @param launches one-time launch tokens (console to app host)
 * @param sessions live app sessions
 * @param policy app decisions and routes
 * @param holder the current policy (user lookups, the identity check)
 * @param state the current locks and grants
 * @param audit the audit trail
 * @param clock time
 * @param assertions the upstream identity assertions and their JWKS (set once the port, part of their issuer, is known)
 * @param certificates reads app client certificates
 * @param oidc the OpenID Connect login, once the listener is bound (its callback names the port); null when not configured
 * @param console the console's API routes, pages, pool, api-token verifier and CSRF tokens
 */
record WebContext(
        WebSite site,
        SessionCookies cookies,
        WebLogin login,
        OneTimeTokens<Launch> launches,
        AppSessions sessions,
        WebPolicy policy,
        PolicyHolder holder,
        Supplier<AccessState> state,
        AuditTrail audit,
        Clock clock,
        java.util.concurrent.atomic.AtomicReference<AssertionSigner> assertions,
        ClientCertificate.Reader certificates,
        java.util.concurrent.atomic.AtomicReference<dev.gatehouse.gateway.web.oidc.OidcLogin> oidc,
        Console console) {

    /** Longest client text (host, path, reason) an audit event keeps. */
    static final int MAX_AUDITED = 256;

    /** Why {@code who} no longer holds (removed, disabled, key gone, user locked); empty when they do ({@link IdentityCheck}). */
    Optional<String> identityProblem(Identity who) {
        return IdentityCheck.problem(holder.current(), state.get(), who);
    }

    /** The user's tenant under the current policy, or null. */
    String tenantOf(String user) {
        return holder.current().user(user).flatMap(u -> u.tenant()).orElse(null);
    }

    /** Client text for an audit event: printable, at most {@link #MAX_AUDITED} characters. */
    static String clip(String text) {
        return text == null ? null : Printable.shorten(Printable.escape(text), MAX_AUDITED);
    }

    /** An {@code app.denied} event (outcome denied). */
    void denied(String user, String source, String app, String node, String reason) {
        AuditEvent e = audit.event(EventType.APP_DENIED, "denied").withUser(user).withSource(source)
                .withTarget(clip(node), null).with("app", clip(app)).with("reason", reason);
        audit.append(e);
    }

    /** A {@code web.login} refusal. */
    void loginRefused(String user, String source, String reason) {
        audit.append(audit.event(EventType.WEB_LOGIN, "denied").withUser(user).withSource(source)
                .with("step", "refused").with("reason", reason));
    }
}
