package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * One-time login links for browsers: {@code ssh GATEWAY web-login} asks for one on behalf of the
 * identity the SSH connection proved; the browser redeems it once at
 * {@code https://HOST:PORT/login?ticket=T} within {@code web.login_ticket_ttl}. Every step is a
 * {@code web.login} event ({@code step} = issued, used or refused).
 */
public final class WebLogin {
    private final WebSite site;
    private final AuditTrail audit;
    private final OneTimeTokens<Identity> tickets;

    public WebLogin(WebSite site, AuditTrail audit, Clock clock, Duration ticketTtl) {
        this.site = site;
        this.audit = audit;
        this.tickets = new OneTimeTokens<>(clock, ticketTtl);
    }

    /**
     * A fresh login URL for {@code who}, as the one line {@code web-login} prints; its last word is
     * the URL: {@code Open within 60 s (works once): https://HOST:PORT/login?ticket=...}.
     */
    public String issue(Identity who) {
        String ticket = tickets.issue(who);
        audit.append(audit.event(EventType.WEB_LOGIN, "success").withUser(who.user()).withSource(who.source())
                .with("step", "issued"));
        return "Open within " + tickets.ttl().toSeconds() + " s (works once): " + site.consoleOrigin() + "/login?ticket="
                + ticket;
    }

    /** The identity a ticket was issued to, once; the caller audits the outcome. */
    Optional<Identity> redeem(String ticket) {
        return tickets.redeem(ticket);
    }

    /** Why {@code ticket} redeemed nothing. */
    String refusal(String ticket) {
        return tickets.refusal(ticket);
    }
}
