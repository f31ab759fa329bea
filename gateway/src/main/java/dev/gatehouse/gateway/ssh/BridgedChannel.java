package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.TerminalObserver;
import dev.gatehouse.gateway.ssh.upstream.ChannelOpenFailure;
import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.gateway.ssh.upstream.UpstreamPool;
import dev.gatehouse.recorder.StoreUnavailableException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.server.ExitCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client session channel bridged to a channel on the node, from the moment its upstream
 * connection is requested to its {@code session.end}. Its life is one explicit {@link State}:
 * {@code CONNECTING} (waiting for the upstream connection) → {@code OPENING} (channel open sent to
 * the node) → {@code RUNNING} (three {@link Pump}s copy stdin, stdout and stderr while the
 * recorder watches) → {@code ENDED}, reached exactly once, through {@link #end}, in one of the
 * {@link Ending}s. Requests (window-change, signal, break) are taken from the start; a window
 * change that arrives before the node's channel runs is kept and sent once it does.
 *
 * <p>The upstream connection may be shared with other channels of the same client connection
 * ({@link UpstreamPool}): ending this session closes this channel only, and lets go of its lease.
 */
final class BridgedChannel extends FactsSession {
    private static final Logger LOG = LoggerFactory.getLogger(BridgedChannel.class);

    enum State { CONNECTING, OPENING, RUNNING, ENDED }

    /**
     * The ways a session ends, with the {@code session.end} outcome each gives: the node's command
     * ended and its exit was passed on ({@code failure} when it sent none); the client closed first;
     * the gateway ended it (lock, revoke, policy, shutdown, store failure); the node could not be
     * reached or refused the channel.
     */
    enum Ending {
        COMPLETED("success"), CLIENT_CLOSED("closed"), TERMINATED("terminated"), FAILED("failure");

        private final String outcome;

        Ending(String outcome) {
            this.outcome = outcome;
        }
    }

    private final SessionPath path;
    private final GatewayChannelSession channel;
    private final IoInputStream in;
    private final IoOutputStream out;
    private final IoOutputStream err;
    private final SerialSink errSink;
    private final ExitCallback exit;
    private final AtomicInteger warnings = new AtomicInteger();
    private final UpstreamRequests requests;

    /** Guards the state, and orders opening the node's channel against ending. */
    private final Object lock = new Object();
    private State state = State.CONNECTING;
    private Ending ending;

    private volatile SessionFacts facts;
    private final AccessJudge.Verdict verdict;
    private final UpstreamLease lease;
    private volatile ClientChannel upstreamChannel;
    private volatile RecordingTaps taps;
    private volatile ChannelPumps pumps;
    private final ChannelPumps.Traffic traffic = new ChannelPumps.Traffic();
    private final TerminalObservers observers;

    BridgedChannel(SessionPath path, SessionFacts facts, AccessJudge.Verdict verdict, GatewayChannelSession channel,
            UpstreamLease lease, IoInputStream in, IoOutputStream out, IoOutputStream err, ExitCallback exit) {
        this.path = path;
        this.facts = facts;
        this.verdict = verdict;
        this.channel = channel;
        this.lease = lease;
        this.in = in;
        this.out = out;
        this.err = err;
        this.errSink = new SerialSink(err);
        this.exit = exit;
        this.requests = new UpstreamRequests(facts.id());
        GatewayChannelSession.PtyRequest pty = channel.pty();
        this.observers = new TerminalObservers(pty == null ? 80 : pty.cols(), pty == null ? 24 : pty.rows());
        // from now on, so that a window change sent while the node is still being reached is kept
        channel.setRequestListener(requests);
    }

    @Override
    SessionFacts facts() {
        return facts;
    }

    State state() {
        synchronized (lock) {
            return state;
        }
    }

    /** How it ended, or null while it has not. */
    Ending ending() {
        synchronized (lock) {
            return ending;
        }
    }

    /** Waits for the lease's connection, then opens the node's channel on it. */
    void connect() {
        lease.session().whenComplete((ClientSession session, Throwable failure) -> {
            if (failure != null && UpstreamFailures.unwrap(failure) instanceof StoreUnavailableException) {
                // the certificate could not be recorded with its grant: the node never saw it
                terminate(AuditTrail.refusedWhileDown("sessions"));
            } else if (failure != null) {
                fail(UpstreamFailures.of(facts.node(), failure));
            } else {
                open(session);
            }
        });
    }

    /** The one transition to {@link State#ENDED}; true for the caller that made it, who then does the ending. */
    private boolean end(Ending how) {
        synchronized (lock) {
            if (state == State.ENDED) {
                return false;
            }
            state = State.ENDED;
            ending = how;
            return true;
        }
    }

    /**
     * The upstream connection is up: judge the session again (a lock, revoke or policy change may
     * have come while it was being made), then open the node's channel. Under the lock, so that a
     * {@link #terminate} that returned before this point keeps the command off the node.
     */
    private void open(ClientSession session) {
        // what changed since it was judged (lock, revoke, reload) is seen here
        String refused = path.recheck(verdict).refusal();
        synchronized (lock) {
            if (state != State.CONNECTING) {
                return;
            }
            if (refused == null) {
                state = State.OPENING;
                openChannel(session);
                return;
            }
        }
        terminate(refused);
    }

    private void openChannel(ClientSession session) {
        try {
            ClientChannel ch = UpstreamChannels.create(session, facts, channel);
            ch.setStreaming(StreamingChannel.Streaming.Async);
            upstreamChannel = ch;
            ch.open().addListener(f -> {
                if (f.isOpened()) {
                    startPumps(ch);
                } else {
                    refusedByNode(f.getException());
                }
            });
        } catch (IOException | RuntimeException e) {
            fail(ChannelOpenFailure.upstream(facts.node(), "a session channel", e));
        }
    }

    /** The node refused the channel: once on a fresh connection ({@link UpstreamLease}), else its answer goes to the user. */
    private void refusedByNode(Throwable failure) {
        synchronized (lock) {
            if (state != State.OPENING) {
                return;
            }
            state = State.CONNECTING;
        }
        if (!lease.moveAfter(failure)) {
            fail(ChannelOpenFailure.upstream(facts.node(), "a session channel", failure));
            return;
        }
        LOG.debug("session {}: node refused a channel ({}); trying a fresh connection", facts.id(), failure.toString());
        facts = facts.withCertificate(lease.certificate());
        connect();
    }

    private void startPumps(ClientChannel ch) {
        ChannelPumps p;
        synchronized (lock) {
            if (state != State.OPENING) {
                // ended while the node was opening the channel
                ch.close(true);
                return;
            }
            SessionFacts f = facts;
            RecordingTaps t = RecordingTaps.start(path.recorder(), f, channel.pty(),
                    path.recordStreams(), op -> path.audit().append(RecordingTaps.transferEvent(f, op)), observers);
            taps = t;
            p = new ChannelPumps(ch, channel, in, out, errSink, t, f.id(), path.timer(), this::terminate, this::complete,
                    traffic);
            pumps = p;
            state = State.RUNNING;
            requests.attach(ch, t);
        }
        p.start();
    }

    /** Normal end: mirror the node's exit to the client after the last byte. */
    private void complete() {
        if (!end(Ending.COMPLETED)) {
            return;
        }
        ClientChannel ch = upstreamChannel;
        boolean exited = ch.getExitStatus() != null || ch.getExitSignal() != null;
        record(exited ? null : "failure", ch.getExitStatus(), ch.getExitSignal(), null);
        ClientExit.mirror(ch, channel, exit, facts.id());
        letGo(false);
    }

    /** The client closed its channel or connection first (the command's destroy). */
    void clientClosed() {
        if (!end(Ending.CLIENT_CLOSED)) {
            return;
        }
        stopPumps();
        record(null, null, null, "client closed the channel");
        letGo(true);
    }

    /** The node could not be reached, or refused the channel: tell the user, record the end, exit 255 like ssh. */
    private void fail(UpstreamException failure) {
        if (!end(Ending.FAILED)) {
            return;
        }
        path.audit().append(UpstreamFailures.event(facts, failure));
        record(null, 255, null, failure.getMessage());
        letGo(true);
        SessionBridge.writeLineAndExit(err, exit, "gatehouse: " + failure.getMessage(), 255);
    }

    /** Ends the session from the gateway side; {@code reason} (if any) is shown to the user. */
    @Override
    public void terminate(String reason) {
        if (!end(Ending.TERMINATED)) {
            return;
        }
        stopPumps();
        record(null, null, null, reason);
        letGo(true);
        ClientExit.withReason(reason, errSink, exit, channel, path.timer());
    }

    /** Closes this session's channel on the node (never the shared connection) and releases the lease. */
    private void letGo(boolean now) {
        ClientChannel ch = upstreamChannel;
        if (ch != null) {
            ch.close(now);
        }
        lease.release();
    }

    private void stopPumps() {
        ChannelPumps p = pumps;
        if (p != null) {
            p.stop();
        }
    }

    /** Writes {@code session.end}: the outcome of the {@link Ending}, unless {@code outcome} says otherwise. */
    private void record(String outcome, Integer status, String signal, String reason) {
        path.sessions().remove(facts.id());
        observers.end();
        SessionEnd.write(path.audit(), path.clock(), facts, taps, outcome != null ? outcome : ending().outcome, status, signal, reason);
    }

    @Override
    public void flushRecording() {
        RecordingTaps t = taps;
        if (t != null && state() == State.RUNNING) {
            t.flushIdle();
        }
    }

    @Override
    public long bytesIn() {
        return traffic.in().sum();
    }

    @Override
    public long bytesOut() {
        return traffic.out().sum();
    }

    /** A shell (with or without a pty) can be watched until it ends; exec and sftp streams cannot. */
    @Override
    public boolean observable() {
        return facts.kind() == SessionBridge.Kind.SHELL && state() != State.ENDED;
    }

    /**
     * Attaches {@code observer} to what the recorder sees of the terminal, and tells the user on
     * their terminal (the client's stderr; never the node, never the recording) that {@code who}
     * is watching, and later that they stopped.
     */
    @Override
    public TerminalObserver.Observation observe(String who, TerminalObserver observer) {
        if (facts.kind() != SessionBridge.Kind.SHELL) {
            throw new IllegalStateException("session " + facts.id() + " is not an interactive shell (" + kindName()
                    + "); only shells can be observed");
        }
        if (!observers.add(observer)) {
            throw new IllegalStateException("session " + facts.id() + " has ended");
        }
        notice(who + " is observing this session (read-only)");
        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
        return () -> {
            if (open.compareAndSet(true, false) && observers.remove(observer) && state() != State.ENDED) {
                notice(who + " stopped observing");
            }
        };
    }

    /** One {@code gatehouse: } line on the user's terminal (stderr), between the session's own output. */
    private void notice(String text) {
        errSink.write(ClientExit.line("gatehouse: " + text));
    }

    @Override
    public int warningsSent() {
        return warnings.get();
    }

    @Override
    public void warn(int level, String line) {
        if (state() == State.ENDED || warnings.getAndSet(level) >= level) {
            return;
        }
        path.audit().append(facts.event(EventType.SESSION_WARNED, "info").with("message", line));
        errSink.write(ClientExit.line(line));
    }
}
