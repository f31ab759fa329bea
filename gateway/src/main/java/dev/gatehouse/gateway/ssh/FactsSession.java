package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.LiveSession;
import java.time.Instant;
import java.util.Locale;

/** The parts of a {@link LiveSession} that are read from its {@link SessionFacts}. */
abstract class FactsSession implements LiveSession {
    abstract SessionFacts facts();

    @Override
    public String id() {
        return facts().id();
    }

    @Override
    public String user() {
        return facts().identity().user();
    }

    @Override
    public String keyFingerprint() {
        return facts().identity().keyFingerprint();
    }

    @Override
    public String login() {
        return facts().login();
    }

    @Override
    public String node() {
        return facts().node().name();
    }

    @Override
    public Instant start() {
        return facts().start();
    }

    @Override
    public String kindName() {
        return facts().kind().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String userTenant() {
        return facts().userTenant();
    }

    @Override
    public String nodeTenant() {
        return facts().node().tenant().orElse(null);
    }

    @Override
    public String grantId() {
        return facts().grantId();
    }

    @Override
    public Instant grantEnd() {
        return facts().grantEnd();
    }
}
