package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.SessionIds;
import dev.gatehouse.gateway.session.SessionRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live app sessions, one per (browser session or client certificate, app host), each also in
 * the gateway's one {@link SessionRegistry}. A session ends when the registry terminates it
 * (lock, revoke, policy), when the credential it rests on expires, or when it has been idle for
 * {@link #IDLE}: no request answered and no WebSocket open (a browser's idle keep-alive connection
 * does not count, so the live list shows what is in use); {@link #sweep} applies the last two,
 * every few seconds. The next request after an idle end starts a new session.
 */
final class AppSessions {
    /** A session with no request in flight and no WebSocket open for this long ends (reason {@code idle}). */
    static final Duration IDLE = Duration.ofSeconds(60);

    private final Map<String, AppSession> byKey = new ConcurrentHashMap<>();
    private final SessionRegistry registry;
    private final WebPolicy policy;
    private final java.util.function.Supplier<AssertionSigner> assertions;
    private final AuditTrail audit;
    private final Clock clock;
    /** Closes the upstream connections a user's last session on a node, login and grant leaves behind. */
    private volatile AppConnector upstream;

    AppSessions(SessionRegistry registry, WebPolicy policy, java.util.function.Supplier<AssertionSigner> assertions, AuditTrail audit, Clock clock) {
        this.registry = registry;
        this.policy = policy;
        this.assertions = assertions;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * The live session for {@code key} on {@code host}, or a new one (registered, with its
     * {@code app.session.start}) when there is none or it has ended.
     *
     * @param key {@code web:SID} for a browser session, {@code cert:SERIAL} for a client certificate
     */
    AppSession session(String key, String host, Identity who, AppRoute route, AppSession.Via via, Instant expires,
            String userTenant) {
        String k = key + "@" + host;
        AppSession s = byKey.get(k);
        if (s != null && !s.ended()) {
            return s;
        }
        AppSession[] fresh = new AppSession[1];
        fresh[0] = new AppSession(SessionIds.next(clock), k, who, route, host, via, expires, userTenant, policy, assertions,
                audit, clock, () -> {
                    byKey.remove(k, fresh[0]);
                    registry.remove(fresh[0].id());
                    closeUpstreamIfLast(fresh[0]);
                });
        AppSession won = byKey.merge(k, fresh[0], (old, mine) -> old.ended() ? mine : old);
        if (won != fresh[0]) {
            return won;
        }
        fresh[0].started();
        registry.add(fresh[0]);
        return fresh[0];
    }

    /** Sets the connector whose kept connections end with the sessions that used them ({@link #closeUpstreamIfLast}). */
    void upstream(AppConnector connector) {
        this.upstream = connector;
    }

    /**
     * Once {@code ended} has left the map: when no live session of the same user, node, login and
     * grant remains, their cached upstream connections (SSH tunnels authenticated with a certificate
     * of that user) close now instead of idling on for up to 30 s after a lock or revoke.
     */
    private void closeUpstreamIfLast(AppSession ended) {
        AppConnector c = upstream;
        if (c == null) {
            return;
        }
        boolean shared = byKey.values().stream().anyMatch(s -> s != ended && !s.ended() && s.user().equals(ended.user())
                && s.node().equals(ended.node()) && s.login().equals(ended.login())
                && java.util.Objects.equals(s.grantId(), ended.grantId()));
        if (!shared) {
            c.closeFor(ended.user(), ended.node(), ended.login(), ended.grantId());
        }
    }

    /** Ends sessions whose credential expired, and those idle past {@link #IDLE}; returns how many. */
    int sweep() {
        Instant now = clock.instant();
        int n = 0;
        for (AppSession s : List.copyOf(byKey.values())) {
            if (!now.isBefore(s.expires())) {
                s.end("success", "the session's credential expired");
                n++;
            } else if (s.inFlight() == 0 && !now.isBefore(s.lastActive().plus(IDLE))) {
                s.end("success", "idle");
                n++;
            }
        }
        return n;
    }

    int size() {
        return byKey.size();
    }
}
