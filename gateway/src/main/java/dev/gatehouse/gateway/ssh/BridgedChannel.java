package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.IdentityCheck;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.gateway.shell.Views;
import dev.gatehouse.recorder.FileOperation;
import dev.gatehouse.recorder.Recording;
import dev.gatehouse.recorder.RecordingInfo;
import dev.gatehouse.recorder.RecordingSummary;
import dev.gatehouse.recorder.ScpObserver;
import dev.gatehouse.recorder.SftpObserver;
import dev.gatehouse.recorder.StoreUnavailableException;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.PtyCapableChannelSession;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.PtyChannelConfiguration;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.ExitCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data phase of a bridged session: the upstream channel mirrors the client's (pty, env, shell /
 * exec / sftp), three {@link Pump}s copy stdin, stdout and stderr with flow control while the
 * recorder watches, and requests (window-change, signal, break) are forwarded as they come. The
 * end is mirrored too: exit-status or exit-signal reaches the client only after the last output
 * byte has been written.
 */
final class BridgedChannel implements LiveSession, GatewayChannelSession.RequestListener {
    private static final Logger LOG = LoggerFactory.getLogger(BridgedChannel.class);
    private static final long CLOSE_GRACE_MS = 5_000;
    private static final String UNRECORDABLE = "the audit store is unavailable; the session cannot be recorded and has been ended";

    private final GatewayServices services;
    private final SessionFacts facts;
    private final GatewayChannelSession channel;
    private final IoInputStream in;
    private final IoOutputStream out;
    private final IoOutputStream err;
    private final SerialSink errSink;
    private final ExitCallback exit;
    private final AtomicInteger warnings = new AtomicInteger();
    private final Object recordLock = new Object();
    private final AtomicBoolean ended = new AtomicBoolean();
    /** Orders {@link #open} against {@link #terminate}: whichever comes first decides. */
    private final Object openLock = new Object();
    private final AtomicInteger openOutputs = new AtomicInteger(2);

    private volatile ClientSession upstream;
    private volatile ClientChannel upstreamChannel;
    private volatile Recording recording;
    private volatile SftpObserver sftp;
    private volatile ScpObserver scp;
    private volatile Pump stdin;
    private volatile Pump stdout;
    private volatile Pump stderr;
    private volatile int[] pendingSize;

    BridgedChannel(GatewayServices services, SessionFacts facts, GatewayChannelSession channel, IoInputStream in,
            IoOutputStream out, IoOutputStream err, ExitCallback exit) {
        this.services = services;
        this.facts = facts;
        this.channel = channel;
        this.in = in;
        this.out = out;
        this.err = err;
        this.errSink = new SerialSink(err);
        this.exit = exit;
    }

    /** The upstream connection could not be made: tell the user, record the end, exit 255 like ssh. */
    void failBeforeOpen(dev.gatehouse.gateway.ssh.upstream.UpstreamException failure) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        services.sessions().remove(facts.id());
        services.audit().append(UpstreamFailures.event(facts, failure));
        services.audit().append(facts.event("session.end", "failure").with("reason", failure.getMessage()).with("exit_status", 255));
        SessionBridge.writeLineAndExit(err, exit, "gatehouse: " + failure.getMessage(), 255);
    }

    /**
     * The upstream connection is up: judge the session again (a lock, revoke or policy change may
     * have come while it was being made), then open the node's channel. Under {@link #openLock},
     * so that a {@link #terminate} that returned before this point keeps the command off the node.
     */
    void open(ClientSession session) {
        synchronized (openLock) {
            upstream = session;
            if (ended.get()) {
                session.close(true);
                return;
            }
            String refused = stillAllowed();
            if (refused != null) {
                terminateQuietly(refused);
                return;
            }
            openChannel(session);
        }
    }

    /** Why the session may no longer start under the current policy and state, or null. */
    private String stillAllowed() {
        PolicyHolder.Snapshot snapshot = services.policy().current();
        AccessState state = services.access().state();
        java.util.Optional<String> gone = IdentityCheck.problem(snapshot, state, facts.identity());
        if (gone.isPresent()) {
            return gone.get();
        }
        Decision d = snapshot.evaluator().decide(facts.identity().user(), facts.login(), facts.node().name(), state,
                services.clock().instant());
        return d.allowed() ? null : d.reason();
    }

    private void openChannel(ClientSession session) {
        GatewayChannelSession.PtyRequest pty = channel.pty();
        try {
            ClientChannel ch = createChannel(session, pty);
            ch.setStreaming(StreamingChannel.Streaming.Async);
            upstreamChannel = ch;
            ch.open().addListener(f -> {
                if (!f.isOpened()) {
                    failBeforeOpen(dev.gatehouse.gateway.ssh.upstream.ChannelOpenFailure.of(facts.node(), "session", f.getException()));
                    ClientSession s = upstream;
                    if (s != null) {
                        s.close(true);
                    }
                    return;
                }
                startPumps(ch);
            });
        } catch (IOException | RuntimeException e) {
            terminateQuietly("cannot open a session on node '" + facts.node().name() + "': " + e.getMessage());
        }
    }

    private ClientChannel createChannel(ClientSession session, GatewayChannelSession.PtyRequest pty) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        channel.getEnvironment().getEnv().forEach((k, v) -> {
            if (GatewayChannelSession.allowedEnv(k) && !(pty != null && k.equals("TERM"))) {
                env.put(k, v);
            }
        });
        PtyChannelConfiguration config = new PtyChannelConfiguration();
        if (pty != null) {
            config.setPtyType(pty.term());
            config.setPtyColumns(pty.cols());
            config.setPtyLines(pty.rows());
            config.setPtyWidth(pty.widthPx());
            config.setPtyHeight(pty.heightPx());
            config.setPtyModes(pty.modes());
        }
        switch (facts.kind()) {
            case SFTP:
                return session.createSubsystemChannel("sftp");
            case EXEC: {
                PtyCapableChannelSession exec = session.createExecChannel(facts.command(), config, env);
                exec.setUsePty(pty != null);
                return exec;
            }
            default: {
                PtyCapableChannelSession shell = session.createShellChannel(config, env);
                shell.setUsePty(pty != null);
                return shell;
            }
        }
    }

    private void startPumps(ClientChannel ch) {
        GatewayChannelSession.PtyRequest pty = channel.pty();
        recording = services.recorder().start(new RecordingInfo(facts.id(), kind(), facts.command(),
                pty == null ? null : pty.term(), pty == null ? 0 : pty.cols(), pty == null ? 0 : pty.rows(),
                facts.start(), facts.identity().user() + " -> " + facts.login() + "@" + facts.node().name()));
        if (facts.kind() == SessionBridge.Kind.SFTP) {
            sftp = SftpObserver.create(this::fileOperation);
        } else if (facts.kind() == SessionBridge.Kind.EXEC) {
            scp = ScpObserver.forCommand(facts.command(), this::fileOperation);
        }
        channel.setRequestListener(this);
        int[] size = pendingSize;
        if (size != null) {
            windowChange(size[0], size[1], size[2], size[3]);
        }
        Pump.Tap outTap;
        Pump.Tap errTap;
        Pump.Tap inTap;
        // recording.streams: false leaves the taps to the file-transfer observers alone
        boolean streams = services.config().recording().streams();
        Pump.Tap recOut = streams ? (b, o, l) -> recording.output(b, o, l) : Pump.Tap.NONE;
        Pump.Tap recErr = streams ? (b, o, l) -> recording.error(b, o, l) : Pump.Tap.NONE;
        Pump.Tap recIn = streams ? (b, o, l) -> recording.input(b, o, l) : Pump.Tap.NONE;
        switch (facts.kind()) {
            case SHELL -> {
                outTap = (b, o, l) -> {
                    synchronized (recordLock) {
                        recOut.accept(b, o, l);
                    }
                };
                errTap = outTap;
                inTap = recIn;
            }
            case SFTP -> {
                outTap = (b, o, l) -> {
                    recOut.accept(b, o, l);
                    sftp.serverToClient(b, o, l);
                };
                errTap = recErr;
                inTap = (b, o, l) -> {
                    recIn.accept(b, o, l);
                    sftp.clientToServer(b, o, l);
                };
            }
            default -> {
                ScpObserver observer = scp;
                outTap = observer == null ? recOut : (b, o, l) -> {
                    recOut.accept(b, o, l);
                    observer.serverToClient(b, o, l);
                };
                errTap = recErr;
                inTap = observer == null ? recIn : (b, o, l) -> {
                    recIn.accept(b, o, l);
                    observer.clientToServer(b, o, l);
                };
            }
        }
        // a read may take all that the window let the sender put in flight
        int fromNode = (int) Math.min(Integer.MAX_VALUE, ch.getLocalWindow().getMaxSize());
        int fromClient = (int) Math.min(Integer.MAX_VALUE, channel.getLocalWindow().getMaxSize());
        stdout = new Pump(ch.getAsyncOut(), out::writeBuffer, outTap, this::outputEnded, fromNode);
        stderr = new Pump(ch.getAsyncErr(), errSink, errTap, this::outputEnded, fromNode);
        stdin = new Pump(in, ch.getAsyncIn()::writeBuffer, inTap, this::inputEnded, fromClient);
        stdout.start();
        stderr.start();
        stdin.start();
    }

    private void inputEnded(Throwable failure) {
        if (failure instanceof StoreUnavailableException) {
            terminateQuietly(UNRECORDABLE);
            return;
        }
        ClientChannel ch = upstreamChannel;
        if (failure == null && ch != null) {
            // the client sent EOF: pass it on once the data before it is written
            ch.getAsyncIn().close(false);
        } else if (failure != null) {
            LOG.debug("session {}: client input failed: {}", facts.id(), failure.toString());
        }
    }

    private void outputEnded(Throwable failure) {
        if (failure != null) {
            LOG.debug("session {}: output failed: {}", facts.id(), failure.toString());
            terminateQuietly(failure instanceof StoreUnavailableException ? UNRECORDABLE : null);
            return;
        }
        if (openOutputs.decrementAndGet() > 0) {
            return;
        }
        ClientChannel ch = upstreamChannel;
        if (ch.isClosed()) {
            complete();
            return;
        }
        ch.addCloseFutureListener(f -> complete());
        // a node that sends EOF but never closes must not hold the client forever
        services.timer().schedule(this::complete, CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
    }

    /** Normal end: mirror the node's exit to the client after the last byte. */
    private void complete() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        ClientChannel ch = upstreamChannel;
        Integer status = ch.getExitStatus();
        String signal = ch.getExitSignal();
        record(status != null || signal != null ? "success" : "failure", status, signal, null);
        try {
            if (signal != null) {
                channel.exitWithSignal(signal, false, "");
            } else {
                exit.onExit(status != null ? status : 255, status != null ? "" : "connection to node lost");
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("session {}: could not send exit: {}", facts.id(), e.toString());
            channel.close(true);
        }
        ClientSession s = upstream;
        if (s != null) {
            s.close(false);
        }
    }

    /** The client closed its channel or connection first. */
    void clientClosed() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        stopPumps();
        record("closed", null, null, "client closed the channel");
        ClientSession s = upstream;
        if (s != null) {
            s.close(true);
        }
    }

    @Override
    public void flushRecording() {
        Recording r = recording;
        if (r != null && !ended.get()) {
            synchronized (recordLock) {
                r.flushIdle();
            }
        }
    }

    @Override
    public void terminate(String reason) {
        terminateQuietly(reason);
    }

    /** Ends the session from the gateway side; {@code reason} (if any) is shown to the user. */
    private void terminateQuietly(String reason) {
        synchronized (openLock) {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
        }
        stopPumps();
        record("terminated", null, null, reason);
        ClientSession s = upstream;
        if (s != null) {
            s.close(true);
        }
        if (reason != null) {
            byte[] line = ("\r\ngatehouse: " + Views.terminalSafe(reason) + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            SerialSink.whenWritten(errSink.write(new org.apache.sshd.common.util.buffer.ByteArrayBuffer(line)), services.timer(),
                    () -> exit.onExit(255, reason));
        } else {
            channel.close(true);
        }
    }

    private void stopPumps() {
        for (Pump p : new Pump[] {stdin, stdout, stderr}) {
            if (p != null) {
                p.stop();
            }
        }
    }

    private void record(String outcome, Integer status, String signal, String reason) {
        services.sessions().remove(facts.id());
        if (sftp != null) {
            sftp.close();
        }
        if (scp != null) {
            scp.close();
        }
        RecordingSummary summary = null;
        Recording r = recording;
        if (r != null) {
            synchronized (recordLock) {
                try {
                    summary = r.finish();
                } catch (RuntimeException e) {
                    LOG.error("session {}: recording could not be completed: {}", facts.id(), e.getMessage());
                    reason = reason == null ? "recording incomplete: " + e.getMessage() : reason;
                }
            }
        }
        var event = facts.event("session.end", outcome)
                .with("exit_status", status)
                .with("exit_signal", signal)
                .with("reason", reason)
                .with("duration_ms", java.time.Duration.between(facts.start(), services.clock().instant()).toMillis());
        if (summary != null) {
            event = event.with("recording_hash", summary.finalHash())
                    .with("output_bytes", summary.outputBytes())
                    .with("output_sha256", summary.outputSha256())
                    .with("error_bytes", summary.errorBytes())
                    .with("error_sha256", summary.errorSha256())
                    .with("input_bytes", summary.inputBytes())
                    .with("truncated", summary.truncated());
        }
        services.audit().append(event);
    }

    private void fileOperation(FileOperation op) {
        Recording r = recording;
        if (r != null) {
            synchronized (recordLock) {
                r.fileOperation(op);
            }
        }
        services.audit().append(facts.event("file.transfer", "ok".equals(op.status()) ? "success" : "failure")
                .with("op", op.op())
                .with("path", op.path())
                .with("target", op.target())
                .with("bytes", op.bytes())
                .with("sha256", op.sha256())
                .with("status", op.status()));
    }

    @Override
    public void windowChange(int cols, int rows, int widthPx, int heightPx) {
        ClientChannel ch = upstreamChannel;
        if (stdout == null || !(ch instanceof PtyCapableChannelSession pty)) {
            pendingSize = new int[] {cols, rows, widthPx, heightPx};
            return;
        }
        Recording r = recording;
        if (r != null) {
            synchronized (recordLock) {
                r.resize(cols, rows);
            }
        }
        try {
            pty.sendWindowChange(cols, rows, heightPx, widthPx);
        } catch (IOException e) {
            LOG.debug("session {}: window-change not forwarded: {}", facts.id(), e.toString());
        }
    }

    @Override
    public void signal(String name) {
        sendRequest("signal", b -> b.putString(name));
    }

    @Override
    public void breakRequest(long millis) {
        sendRequest("break", b -> b.putUInt(millis));
    }

    private void sendRequest(String type, java.util.function.Consumer<Buffer> body) {
        ClientChannel ch = upstreamChannel;
        if (ch == null || ch.isClosing()) {
            return;
        }
        try {
            Buffer buffer = ch.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 64);
            buffer.putUInt(ch.getRecipient());
            buffer.putString(type);
            buffer.putBoolean(false);
            body.accept(buffer);
            ch.writePacket(buffer);
        } catch (IOException e) {
            LOG.debug("session {}: {} not forwarded: {}", facts.id(), type, e.toString());
        }
    }

    private String kind() {
        return facts.kind().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String id() {
        return facts.id();
    }

    @Override
    public String user() {
        return facts.identity().user();
    }

    @Override
    public String keyFingerprint() {
        return facts.identity().keyFingerprint();
    }

    @Override
    public String login() {
        return facts.login();
    }

    @Override
    public String node() {
        return facts.node().name();
    }

    @Override
    public Instant start() {
        return facts.start();
    }

    @Override
    public String kindName() {
        return kind();
    }

    @Override
    public String userTenant() {
        return facts.userTenant();
    }

    @Override
    public String nodeTenant() {
        return facts.node().tenant().orElse(null);
    }

    @Override
    public String grantId() {
        return facts.grantId();
    }

    @Override
    public Instant grantEnd() {
        return facts.grantEnd();
    }

    @Override
    public int warningsSent() {
        return warnings.get();
    }

    @Override
    public void warn(int level, String line) {
        if (ended.get() || warnings.getAndSet(level) >= level) {
            return;
        }
        services.audit().append(facts.event("session.warned", "info").with("message", line));
        errSink.write(new org.apache.sshd.common.util.buffer.ByteArrayBuffer(
                ("\r\n" + Views.terminalSafe(line) + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
