package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.recorder.InstanceRegistry.Instance;
import dev.gatehouse.recorder.InstanceRegistry.InstanceCommand;
import dev.gatehouse.recorder.InstanceRegistry.LiveRow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The instance registry contract (issue 13: instances, their live sessions, commands between
 * them), run against every database: SQLite and PostgreSQL implement it.
 */
interface InstanceRegistryContract extends StoreFixture {
    Duration DEAD_AFTER = Duration.ofSeconds(10);

    default Instance instance(String chain, String name, Instant start) {
        return new Instance(chain, name, start, start, null, "127.0.0.1:2222", null);
    }

    default LiveRow live(String id, String chain, long bytesOut) {
        return new LiveRow(id, chain, "shell", "alice", "mlops", "gpu-node-1", "10.0.0.9:50000", "team-a", null, true,
                T0, 10, bytesOut, T0);
    }

    default InstanceCommand terminate(String target, String session) {
        return new InstanceCommand(0, target, session, InstanceRegistry.TERMINATE, "bob", "runaway job", "gw-a", "a",
                T0, null, null);
    }

    @Test
    default void heartbeatsUpsertTheLiveSessionsOfOneInstanceAndAStopRemovesThem() {
        try (AuditStore store = open(CHAIN)) {
            InstanceRegistry r = store.instanceRegistry();
            r.register(instance("gw-a", "a", T0), DEAD_AFTER);
            r.register(instance("gw-b", "b", T0), DEAD_AFTER);
            r.sync("gw-a", List.of(live("s-1", "gw-a", 5), live("s-2", "gw-a", 6)), T0.plusSeconds(2));
            r.sync("gw-b", List.of(live("s-3", "gw-b", 7)), T0.plusSeconds(2));
            r.sync("gw-a", List.of(live("s-2", "gw-a", 600)), T0.plusSeconds(4));

            assertThat(r.sessions()).extracting(LiveRow::sessionId, LiveRow::chainId, LiveRow::bytesOut)
                    .containsExactly(org.assertj.core.api.Assertions.tuple("s-2", "gw-a", 600L),
                            org.assertj.core.api.Assertions.tuple("s-3", "gw-b", 7L));
            assertThat(r.session("s-2")).get().isEqualTo(new LiveRow("s-2", "gw-a", "shell", "alice", "mlops", "gpu-node-1",
                    "10.0.0.9:50000", "team-a", null, true, T0, 10, 600, T0.plusSeconds(4)));
            assertThat(r.instances()).extracting(Instance::name, Instance::heartbeatAt)
                    .containsExactly(org.assertj.core.api.Assertions.tuple("a", T0.plusSeconds(4)),
                            org.assertj.core.api.Assertions.tuple("b", T0.plusSeconds(2)));

            r.stopped("gw-a", T0.plusSeconds(5));
            assertThat(r.sessions()).extracting(LiveRow::sessionId).containsExactly("s-3");
            assertThat(r.instances().get(0).stoppedAt()).isEqualTo(T0.plusSeconds(5));
            assertThat(r.instances().get(0).alive(T0.plusSeconds(5), DEAD_AFTER)).isFalse();
            assertThat(r.instances().get(1).alive(T0.plusSeconds(12), DEAD_AFTER)).isTrue();
            assertThat(r.instances().get(1).alive(T0.plusSeconds(13), DEAD_AFTER)).isFalse();
        }
    }

    /** Threat: a copied instance-id makes two gateways write one audit chain, forking it; the second start is refused. */
    @Test
    default void aSecondStartOfALiveChainIsRefusedAndChangesNothing() {
        try (AuditStore store = open(CHAIN)) {
            InstanceRegistry r = store.instanceRegistry();
            r.register(instance("gw-a", "a", T0), DEAD_AFTER);
            r.sync("gw-a", List.of(live("s-1", "gw-a", 5)), T0.plusSeconds(2));

            assertThatThrownBy(() -> r.register(instance("gw-a", "copy", T0.plusSeconds(11)), DEAD_AFTER))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("data_dir/instance-id copied from another instance?")
                    .hasMessageContaining("'a'").hasMessageContaining(T0.plusSeconds(2).toString());
            assertThat(r.instances()).extracting(Instance::name).containsExactly("a");
            assertThat(r.sessions()).extracting(LiveRow::sessionId).containsExactly("s-1");
        }
    }

    /** A crashed instance's rows stay (listed dead) until the same chain starts again: then they and its pending commands go. */
    @Test
    default void aRestartAfterACrashRemovesStaleRowsAndExpiresPendingCommands() {
        try (AuditStore store = open(CHAIN)) {
            InstanceRegistry r = store.instanceRegistry();
            r.register(instance("gw-b", "b", T0), DEAD_AFTER);
            r.sync("gw-b", List.of(live("s-1", "gw-b", 5)), T0.plusSeconds(2));
            long seq = r.command(terminate("gw-b", "s-1"));

            r.register(instance("gw-b", "b", T0.plusSeconds(13)), DEAD_AFTER);

            assertThat(r.sessions()).isEmpty();
            assertThat(r.pending("gw-b")).isEmpty();
            assertThat(r.command(seq)).get().extracting(InstanceCommand::result).isEqualTo("expired");
            assertThat(r.instances().get(0).startedAt()).isEqualTo(T0.plusSeconds(13));
        }
    }

    @Test
    default void aZeroWindowTakesALiveChainOverAtOnce() {
        try (AuditStore store = open(CHAIN)) {
            InstanceRegistry r = store.instanceRegistry();
            r.register(instance("gw-a", "a", T0), DEAD_AFTER);
            r.sync("gw-a", List.of(live("s-1", "gw-a", 5)), T0.plusSeconds(1));
            r.register(instance("gw-a", "a", T0.plusSeconds(1)), Duration.ZERO);
            assertThat(r.sessions()).isEmpty();
            assertThat(r.instances().get(0).startedAt()).isEqualTo(T0.plusSeconds(1));
        }
    }

    @Test
    default void aGracefullyStoppedChainMayStartAgainAtOnce() {
        try (AuditStore store = open(CHAIN)) {
            InstanceRegistry r = store.instanceRegistry();
            r.register(instance("gw-a", "a", T0), DEAD_AFTER);
            r.stopped("gw-a", T0.plusSeconds(1));
            r.register(instance("gw-a", "a", T0.plusSeconds(2)), DEAD_AFTER);
            assertThat(r.instances().get(0).stoppedAt()).isNull();
            assertThat(r.instances().get(0).alive(T0.plusSeconds(2), DEAD_AFTER)).isTrue();
        }
    }

    /**
     * Threat: an instance configured with port 0 stays registered at port 0, so another instance
     * calling it (observe across instances) reaches nothing; or one instance's addresses overwrite another's.
     */
    @Test
    default void theBoundAddressesReplaceTheConfiguredOnesOfThatInstanceOnly() {
        try (AuditStore store = open(CHAIN)) {
            InstanceRegistry r = store.instanceRegistry();
            r.register(new Instance("gw-a", "a", T0, T0, null, "127.0.0.1:0", "127.0.0.1:0"), DEAD_AFTER);
            r.register(instance("gw-b", "b", T0), DEAD_AFTER);
            r.listening("gw-a", "127.0.0.1:40022", "127.0.0.1:40443");
            assertThat(r.instances()).extracting(Instance::chainId, Instance::sshListen, Instance::webListen).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("gw-a", "127.0.0.1:40022", "127.0.0.1:40443"),
                    org.assertj.core.groups.Tuple.tuple("gw-b", "127.0.0.1:2222", null));
            assertThat(r.instances().get(0).alive(T0, DEAD_AFTER)).isTrue();
        }
    }

    /** Threat: an instance overwriting or deleting another instance's rows would hide a live session from admins. */
    @Test
    default void oneInstanceCannotTakeOverAnotherInstancesSessionRows() {
        try (AuditStore store = open(CHAIN)) {
            InstanceRegistry r = store.instanceRegistry();
            r.register(instance("gw-a", "a", T0), DEAD_AFTER);
            r.register(instance("gw-b", "b", T0), DEAD_AFTER);
            r.sync("gw-b", List.of(live("s-1", "gw-b", 5)), T0.plusSeconds(1));

            assertThatThrownBy(() -> r.sync("gw-a", List.of(live("s-1", "gw-b", 9)), T0.plusSeconds(2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names chain gw-b");
            r.sync("gw-a", List.of(live("s-1", "gw-a", 9)), T0.plusSeconds(2));
            r.sync("gw-a", List.of(), T0.plusSeconds(3));

            assertThat(r.session("s-1")).get().extracting(LiveRow::chainId, LiveRow::bytesOut).containsExactly("gw-b", 5L);
            assertThatThrownBy(() -> r.sync("gw-x", List.of(), T0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not registered");
        }
    }

    @Test
    default void commandsArePendingUntilDoneAndKeepTheirFirstResult() {
        try (AuditStore store = open(CHAIN)) {
            InstanceRegistry r = store.instanceRegistry();
            long first = r.command(terminate("gw-b", "s-1"));
            long second = r.command(terminate("gw-b", "s-2"));
            r.command(terminate("gw-c", "s-3"));

            assertThat(second).isGreaterThan(first);
            assertThat(r.pending("gw-b")).extracting(InstanceCommand::sessionId).containsExactly("s-1", "s-2");
            assertThat(r.done(first, "terminated", T0.plusSeconds(1))).isTrue();
            assertThat(r.done(first, "gone", T0.plusSeconds(2))).isFalse();
            assertThat(r.command(first)).get().isEqualTo(new InstanceCommand(first, "gw-b", "s-1", "terminate", "bob",
                    "runaway job", "gw-a", "a", T0, T0.plusSeconds(1), "terminated"));
            assertThat(r.pending("gw-b")).extracting(InstanceCommand::sessionId).containsExactly("s-2");
            assertThatThrownBy(() -> r.command(new InstanceCommand(0, "gw-b", "s-1", "observe", "bob", "x", "gw-a", "a", T0,
                    null, null))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown instance command");
            assertThat(r.done(99_999, "terminated", T0)).isFalse();
        }
    }

    @Test
    default void aReadOnlyStoreReadsTheRegistryButRefusesWrites() {
        try (AuditStore store = open(CHAIN)) {
            store.instanceRegistry().register(instance("gw-a", "a", T0), DEAD_AFTER);
        }
        try (AuditStore store = openReadOnly()) {
            assertThat(store.instanceRegistry().instances()).extracting(Instance::chainId).containsExactly("gw-a");
            assertThatThrownBy(() -> store.instanceRegistry().stopped("gw-a", T0)).isInstanceOf(StoreUnavailableException.class)
                    .hasMessageContaining("read-only");
        }
    }
}
