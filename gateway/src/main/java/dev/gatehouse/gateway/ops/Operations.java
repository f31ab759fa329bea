package dev.gatehouse.gateway.ops;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.policy.RequestState;
import dev.gatehouse.recorder.AuditStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations side of a running gateway: the {@code ops.listen} listener and the
 * {@code audit.syslog} push sink, both optional. {@link #stopping()} makes {@code /readyz} answer
 * 503 from the first moment of a graceful stop; {@link #close()} ends both at its end.
 */
public final class Operations implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);

    private final OpsListener listener;
    private final InetSocketAddress address;
    private final SyslogSink sink;
    private volatile boolean stopping;

    private Operations(OpsListener listener, InetSocketAddress address, SyslogSink sink) {
        this.listener = listener;
        this.address = address;
        this.sink = sink;
    }

    /**
     * Registers the gauges that read the gateway's state, starts the listener (when
     * {@code ops.enabled}) and the syslog sink (when {@code audit.syslog} is set).
     *
     * @param listeners why the SSH or HTTPS listener is not up, if it is not
     * @throws IOException when {@code ops.listen} cannot be bound or the syslog CA file cannot be read
     */
    public static Operations start(GatewayServices services, OpsMetrics metrics, Readiness listeners) throws IOException {
        GatewayConfig config = services.config();
        AuditStore store = services.audit().store();
        metrics.store(store);
        metrics.sessions(services.sessions()::all);
        metrics.pendingRequests(() -> services.access().state().requests().stream()
                .filter(r -> r.state() == RequestState.PENDING).count());
        Operations[] self = new Operations[1];
        Readiness readiness = () -> {
            if (self[0] != null && self[0].stopping) {
                return Optional.of("the gateway is stopping");
            }
            if (!store.healthy()) {
                return Optional.of("the audit store is not taking writes");
            }
            return listeners.problem();
        };
        SyslogSink sink = null;
        if (config.audit().syslog().isPresent()) {
            sink = SyslogSink.open(config.audit().syslog().get(), store, config.dataDir());
            SyslogSink s = sink;
            metrics.syslog(s);
        }
        OpsListener listener = null;
        InetSocketAddress bound = null;
        if (config.ops().enabled()) {
            listener = new OpsListener(config.ops().listen(), metrics, readiness, config.ops().hosts());
            bound = listener.start();
        }
        if (sink != null) {
            sink.start();
            LOG.info("audit.syslog: pushing chain {} to {} from seq {}", store.chainId(), sink.receiver(), sink.cursor() + 1);
        }
        self[0] = new Operations(listener, bound, sink);
        return self[0];
    }

    /** Where the operations listener is bound; empty when {@code ops.enabled} is false. */
    public Optional<InetSocketAddress> address() {
        return Optional.ofNullable(address);
    }

    /** From now on {@code /readyz} answers 503: the gateway is stopping. */
    public void stopping() {
        stopping = true;
    }

    @Override
    public void close() {
        stopping = true;
        if (sink != null) {
            sink.close();
        }
        if (listener != null) {
            listener.close();
        }
    }
}
