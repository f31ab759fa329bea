package dev.gatehouse.gateway.ssh;

import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.StoredEvent;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test with a fresh {@link GatewayHarness} per test method. */
abstract class HarnessTest {
    @TempDir
    Path dir;

    GatewayHarness gw;

    @BeforeEach
    final void startGateway() throws Exception {
        gw = new GatewayHarness(dir);
    }

    @AfterEach
    final void stopGateway() {
        gw.close();
    }

    /** The audit events of {@code type} (every type when null), oldest first. */
    List<AuditEvent> events(String type) {
        return gw.events(type).stream().map(StoredEvent::event).toList();
    }

    /** The user named by each event of {@code type}, oldest first. */
    List<String> usersOf(String type) {
        return events(type).stream().map(AuditEvent::user).toList();
    }
}
