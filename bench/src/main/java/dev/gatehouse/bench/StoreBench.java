package dev.gatehouse.bench;

import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.StoreOptions;
import java.time.Clock;
import java.time.Instant;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Audit-store appends per second with group commit (target: 50,000/s on SQLite): each invocation
 * appends {@link #BATCH} events and then {@code flush()}es, so the score counts committed events.
 * PostgreSQL runs in a schema of its own, dropped afterwards.
 */
@State(Scope.Benchmark)
public class StoreBench {
    static final int BATCH = 10_000;

    @Param({"sqlite", "postgres"})
    public String store;

    private BenchStores.Handle handle;
    private AuditEvent event;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        handle = BenchStores.open(store);
        event = AuditEvent.of("session.start", Instant.now(), "success").withSource("127.0.0.1:50000")
                .withUser("alice").withTarget("gpu-node-1", "aiops").withSessionId("s-0123456789abcdef")
                .with("command", "nvidia-smi").with("pty", "true");
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long appendAndFlush() {
        AuditStore s = handle.store();
        long last = 0;
        for (int i = 0; i < BATCH; i++) {
            last = s.append(event);
        }
        s.flush();
        return last;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        handle.close();
    }

    /** For the record: what the store is opened with (group commit = StoreOptions.defaults). */
    static StoreOptions options(String url) throws Exception {
        return StoreOptions.defaults(url, "bench-" + Long.toHexString(System.nanoTime()), BenchStores.signer(),
                Clock.systemUTC());
    }
}
