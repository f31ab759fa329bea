package dev.gatehouse.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoreOptions;
import dev.gatehouse.recorder.StoredEvent;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pre-authentication audit budget on a real SQLite store, with a clock the test moves. */
class AuditBudgetTest {
    @TempDir
    Path dir;

    private final TestClock clock = new TestClock();
    private final SourceKey flooder = new SourceKey("203.0.113.9");
    private final SourceKey other = new SourceKey("198.51.100.7");
    private AuditStore store;
    private AuditTrail audit;
    private AuditBudget budget;

    @BeforeEach
    void open() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        JwsSigner signer = JwsSigner.es256(ec.generateKeyPair());
        store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + dir.resolve("audit.db"), "gw-0000000000000002",
                CheckpointSigner.of(signer::sign, signer::verify), clock));
        audit = new AuditTrail(store, clock, true);
        budget = new AuditBudget(audit, clock, 3);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private AuditEvent query(SourceKey source) {
        return audit.event("auth.query", "accepted").withSource(source.value());
    }

    private List<AuditEvent> events(String type) {
        store.flush();
        return store.events(new EventQuery(type, null, null, null, Integer.MAX_VALUE)).stream().map(StoredEvent::event).toList();
    }

    /** Threat: queries cost a client nothing, so one source fills the audit store with them. */
    @Test
    void eventsOverASourcesBudgetAreCountedNotWritten() {
        for (int i = 0; i < 10; i++) {
            budget.append(flooder, query(flooder));
        }
        assertThat(events("auth.query")).hasSize(3);
        assertThat(events("audit.suppressed")).as("one marker when suppression starts").singleElement()
                .satisfies(e -> assertThat(e.source()).isEqualTo(flooder.value()));
        assertThat(budget.append(other, query(other))).as("another source has its own budget").isTrue();
        clock.advance(Duration.ofSeconds(20)); // one event's worth of refill
        assertThat(budget.append(flooder, query(flooder))).isTrue();
        List<AuditEvent> queries = events("auth.query");
        assertThat(queries.get(queries.size() - 1).details()).containsEntry("suppressed_before", "7");
    }

    @Test
    void aQuietSourcesUnwrittenCountIsWrittenWhenItIsForgotten() {
        for (int i = 0; i < 5; i++) {
            budget.append(flooder, query(flooder));
        }
        clock.advance(Duration.ofMinutes(2));
        budget.append(other, query(other)); // any later use of the budget lets the cache drop what expired
        assertThat(events("audit.suppressed")).extracting(e -> e.details().get("count")).containsExactly(null, "2");
    }
}
