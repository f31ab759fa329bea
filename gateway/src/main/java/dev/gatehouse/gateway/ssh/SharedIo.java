package dev.gatehouse.gateway.ssh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.AsynchronousChannelGroup;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.Factory;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoConnector;
import org.apache.sshd.common.io.IoHandler;
import org.apache.sshd.common.io.IoServiceEventListener;
import org.apache.sshd.common.io.IoServiceFactory;
import org.apache.sshd.common.io.IoServiceFactoryFactory;
import org.apache.sshd.common.io.nio2.Nio2Acceptor;
import org.apache.sshd.common.io.nio2.Nio2Connector;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactory;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.common.util.closeable.AbstractCloseable;
import org.apache.sshd.common.util.threads.CloseableExecutorService;
import org.apache.sshd.common.util.threads.ThreadUtils;

/**
 * One set of I/O threads for both sides of the bridge: the server that engineers connect to and the
 * client that connects to nodes register their sockets in the same asynchronous channel group.
 *
 * <p>Why: the bridge writes to one side from the thread that read the other side. With two groups,
 * every completed write is handed to the other group's pool (a thread wake-up and two context
 * switches per chunk); profiling a bulk transfer showed a third of the gateway's CPU in the
 * scheduler. With one group the JDK runs the completion on the writing thread, so a chunk travels
 * from the node's socket to the engineer's socket on one thread.
 *
 * <p>How many threads: the JDK's group lets one thread poll at a time and wakes another to poll
 * before it handles an event, so every event costs a thread hand-off while any thread is idle.
 * Measured on 2 cores with a terminal flood, one thread used a third less CPU than three and
 * moved bulk data as fast; hence the default of half the cores ({@code ssh.io_threads}).
 *
 * <p>Both managers get the same socket settings, since the shared factory resolves I/O properties
 * from whichever manager created it. The gateway closes this after the server and the client have
 * stopped; their own close of the factory they were given does nothing.
 */
public final class SharedIo implements IoServiceFactoryFactory, AutoCloseable {
    private final int workers;
    private FixedGroupFactory shared;

    /** @param workers I/O threads shared by both sides */
    public SharedIo(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1");
        }
        this.workers = workers;
    }

    /** Socket settings both sides use; applied before the manager starts. */
    public void configure(org.apache.sshd.common.helpers.AbstractFactoryManager manager) {
        CoreModuleProperties.TCP_NODELAY.set(manager, true);
        manager.setIoServiceFactoryFactory(this);
    }

    @Override
    public synchronized IoServiceFactory create(FactoryManager manager) {
        if (shared == null) {
            try {
                shared = new FixedGroupFactory(manager, workers, ThreadUtils.newCachedThreadPool("gatehouse-io-resume"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the I/O threads", e);
            }
        }
        return new Handle(shared);
    }

    @Override
    public void setExecutorServiceFactory(Factory<CloseableExecutorService> factory) {
        throw new UnsupportedOperationException("the shared I/O group owns its threads");
    }

    @Override
    public synchronized void close() {
        if (shared != null) {
            shared.close(true);
        }
    }

    /**
     * MINA's factory over a fixed-size channel group. MINA builds its group on an executor, so the
     * JDK polls on one internal thread and hands every completion to the executor: a thread switch
     * per socket event. On a fixed group the pool threads poll themselves and run the completion
     * where the event arrived.
     */
    private static final class FixedGroupFactory extends Nio2ServiceFactory {
        private final AsynchronousChannelGroup group;
        private final CloseableExecutorService resume;

        FixedGroupFactory(FactoryManager manager, int workers, CloseableExecutorService resume) throws IOException {
            // MINA's own group on an empty cached pool stays unused
            super(manager, ThreadUtils.newCachedThreadPool("gatehouse-io-unused"), resume);
            this.resume = resume;
            AtomicInteger n = new AtomicInteger();
            this.group = AsynchronousChannelGroup.withFixedThreadPool(workers, r -> {
                Thread t = new Thread(r, "gatehouse-io-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public IoConnector createConnector(IoHandler handler) {
            return autowireCreatedService(new Nio2Connector(this, getFactoryManager(), handler, group, resume));
        }

        @Override
        public IoAcceptor createAcceptor(IoHandler handler) {
            return autowireCreatedService(new Nio2Acceptor(this, getFactoryManager(), handler, group, resume));
        }

        @Override
        protected void doCloseImmediately() {
            try {
                group.shutdownNow();
                group.awaitTermination(5, TimeUnit.SECONDS);
            } catch (IOException e) {
                // closing: the sockets are going away either way
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            resume.close(true);
            super.doCloseImmediately();
        }
    }

    /** What each manager holds: creates services on the shared group; closing it leaves the group alone. */
    private static final class Handle extends AbstractCloseable implements IoServiceFactory {
        private final FixedGroupFactory shared;
        private volatile IoServiceEventListener listener;

        Handle(FixedGroupFactory shared) {
            this.shared = shared;
        }

        @Override
        public IoConnector createConnector(IoHandler handler) {
            IoConnector connector = shared.createConnector(handler);
            connector.setIoServiceEventListener(listener);
            return connector;
        }

        @Override
        public IoAcceptor createAcceptor(IoHandler handler) {
            IoAcceptor acceptor = shared.createAcceptor(handler);
            acceptor.setIoServiceEventListener(listener);
            return acceptor;
        }

        @Override
        public IoServiceEventListener getIoServiceEventListener() {
            return listener;
        }

        @Override
        public void setIoServiceEventListener(IoServiceEventListener listener) {
            this.listener = listener;
        }
    }
}
