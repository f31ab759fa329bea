package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.policy.Decision;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upstream connections kept for reuse end with the last app session that could use them: a
 * lock, revoke or policy change that ends a user's app sessions (through the one session registry)
 * closes their cached tunnels at once.
 */
class AppSessionUpstreamTest extends WithWebFixture {
    /** A connector that notes which kept connections it was told to close. */
    private static final class Noting implements AppConnector {
        final List<String> closed = new CopyOnWriteArrayList<>();

        @Override
        public CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId) {
            return new CompletableFuture<>();
        }

        @Override
        public void closeFor(String user, String node, String login, String grantId) {
            closed.add(user + "@" + node + " as " + login + " grant " + grantId);
        }

        @Override
        public void close() {
        }
    }

    private final Noting connector = new Noting();

    @BeforeEach
    void wire() {
        f.web.sessions().upstream(connector);
    }

    private AppSession session(String user, String app, String sid, Decision decision) {
        AppRoute route = f.web.policy().route(app, "gpu-node-1", decision).orElseThrow();
        Identity who = f.identity(user);
        return f.web.sessions().session("web:" + sid, app + "--gpu-node-1.apps.localhost", who, route, AppSession.Via.COOKIE,
                f.clock.instant().plus(Duration.ofHours(1)), null);
    }

    /** Threat: a locked user's certificate-authenticated tunnel to the node stays open after the lock, until it idles out. */
    @Test
    void aLockThatEndsTheUsersAppSessionsClosesTheirTunnelsAtOnce() {
        session("alice", "jupyter", "s1", Decision.allow("engineer"));
        session("bob", "jupyter", "s2", Decision.allow("engineer"));
        assertThat(connector.closed).isEmpty();

        // what AccessService.lock does for a user lock
        int ended = f.registry.terminate(s -> s.user().equals("alice"), "user alice was locked by admin");

        assertThat(ended).isEqualTo(1);
        assertThat(connector.closed).containsExactly("alice@gpu-node-1 as aiops grant null");
    }

    @Test
    void aRevokedGrantClosesTheTunnelsBoundToThatGrantOnly() {
        session("alice", "jupyter", "s1", Decision.allow("engineer"));
        session("alice", "other", "s1", Decision.allowGrant("req-7", f.clock.instant().plus(Duration.ofMinutes(30))));

        f.registry.terminate(s -> "req-7".equals(s.grantId()), "grant req-7 was revoked by admin");

        assertThat(connector.closed).containsExactly("alice@gpu-node-1 as aiops grant req-7");
    }

    /**
     * A policy change that removes one app leaves the user's other app on the same node and login
     * running on the shared tunnel; the tunnel closes with the last of them.
     */
    @Test
    void aTunnelSharedWithAnotherLiveAppSessionStaysUntilTheLastOneEnds() {
        AppSession jupyter = session("alice", "jupyter", "s1", Decision.allow("engineer"));
        AppSession other = session("alice", "other", "s1", Decision.allow("engineer"));

        jupyter.terminate("your access was removed: app jupyter is not allowed");
        assertThat(connector.closed).isEmpty();

        other.terminate("your access was removed: user alice is disabled");
        assertThat(connector.closed).containsExactly("alice@gpu-node-1 as aiops grant null");
    }

    @Test
    void anExpiredSessionAlsoTakesItsTunnelWithIt() {
        session("alice", "jupyter", "s1", Decision.allow("engineer"));
        f.clock.advance(Duration.ofHours(2));

        assertThat(f.web.sessions().sweep()).isEqualTo(1);
        assertThat(connector.closed).containsExactly("alice@gpu-node-1 as aiops grant null");
    }
}
