package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What an exporter resumes from: one chain's events after a sequence number, and the writer's queue for gauges. */
interface ChainReadContract extends StoreFixture {

    @Test
    default void chainEventsListOneChainAfterASequenceInOrder() {
        try (AuditStore a = open(CHAIN); AuditStore b = open("gw-2")) {
            for (int i = 1; i <= 10; i++) {
                a.append(event(i));
                b.append(event(100 + i));
            }
            a.flush();
            b.flush();
            List<StoredEvent> page = a.chainEvents(CHAIN, 3, 4);
            assertThat(page).extracting(StoredEvent::seq).containsExactly(4L, 5L, 6L, 7L);
            assertThat(page).allMatch(e -> e.chainId().equals(CHAIN));
            assertThat(page.get(0).prevHash()).isEqualTo(a.chainEvents(CHAIN, 2, 1).get(0).hash());
            assertThat(a.chainEvents(CHAIN, 10, 5)).isEmpty();
            assertThat(a.chainEvents("gw-2", 8, 100)).extracting(e -> e.event().details().get("n")).containsExactly("109", "110");
            assertThat(a.chainEvents("gw-none", 0, 100)).isEmpty();
        }
    }

    @Test
    default void writerStateReportsTheQueueAndTheLastCheckpoint() {
        try (AuditStore store = open(CHAIN)) {
            store.append(event(1));
            store.checkpoint();
            WriterState s = store.writerState().orElseThrow();
            assertThat(s.queued()).isZero();
            assertThat(s.queueCapacity()).isEqualTo(1024);
            assertThat(s.bytesHeld()).isZero();
            assertThat(s.bytesCapacity()).isEqualTo(StoreOptions.DEFAULT_QUEUE_BYTES);
            assertThat(s.lastCheckpoint()).isEqualTo(clock().instant());
        }
        try (AuditStore readOnly = openReadOnly()) {
            assertThat(readOnly.writerState()).isEmpty();
        }
    }
}
