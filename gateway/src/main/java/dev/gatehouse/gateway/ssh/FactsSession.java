package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.LiveSession;
import java.time.Instant;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.policy.Node;

/**
 * The parts of a {@link LiveSession} that are read from its fixed {@link Facts}: the one adapter
 * to the session registry for bridged sessions ({@link SessionFacts}) and forwards
 * ({@link ForwardGate.Allowed}).
 */
abstract class FactsSession implements LiveSession {
    /** Who, where and under which grant: what the registry and audit events read. */
    interface Facts {
        String id();

        Identity identity();

        Node node();

        String login();

        Instant start();

        /** The grant the access rests on, or null for standing access. */
        String grantId();

        /** When that grant ends, or null. */
        Instant grantEnd();

        /** The user's tenant, or null. */
        String userTenant();

        /** {@code shell}, {@code exec}, {@code sftp} or {@code forward}. */
        String kindName();
    }

    abstract Facts facts();

    @Override
    public String id() {
        return facts().id();
    }

    @Override
    public String user() {
        return facts().identity().user();
    }

    @Override
    public String source() {
        return facts().identity().source();
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
        return facts().kindName();
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
