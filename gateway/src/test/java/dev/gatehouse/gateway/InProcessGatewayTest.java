package dev.gatehouse.gateway;

import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoredEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class with its own {@link InProcessGateway} per test: admin (approver, admin), alice
 * (engineer, may request mlops) and idler (engineer) on one tenant's node.
 */
abstract class InProcessGatewayTest {
    static final Function<Map<String, String>, String> POLICY = keys -> """
            users:
              - {name: admin, keys: ["%s"], roles: [approver, admin]}
              - {name: alice, keys: ["%s"], roles: [engineer]}
              - {name: idler, keys: ["%s"], roles: [engineer]}
            nodes:
              - {name: gpu-node-1, address: "127.0.0.1:9", host_key: "%s", labels: {tenant: team-a}}
            roles:
              - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
              - {name: approver, logins: [aiops], nodes: {tenant: team-a}}
              - {name: admin, permissions: [admin]}
            elevations:
              - {login: mlops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver]}
            """.formatted(keys.get("admin"), keys.get("alice"), keys.get("idler"), keys.get("admin"));

    @TempDir
    Path dir;

    InProcessGateway gw;

    @BeforeEach
    void startGateway() throws Exception {
        gw = InProcessGateway.start(dir, POLICY, "admin", "alice", "idler");
    }

    @AfterEach
    void stopGateway() {
        gw.close();
    }

    /** Audit events of a type (and user, unless null), oldest first. */
    List<StoredEvent> events(String type, String user) {
        return gw.gateway().services().audit().store().events(new EventQuery(type, user, null, null, 1000));
    }
}
