package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.recorder.FileOperation;
import dev.gatehouse.recorder.Recording;
import dev.gatehouse.recorder.RecordingInfo;
import dev.gatehouse.recorder.RecordingSummary;
import dev.gatehouse.recorder.ScpObserver;
import dev.gatehouse.recorder.SessionRecorder;
import dev.gatehouse.recorder.SftpObserver;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What the recorder sees of one bridged channel: the {@link Pump.Tap}s for stdout, stderr and
 * stdin, resizes, and the file operations the scp and sftp observers find in the streams. A shell's
 * stdout and stderr share one terminal recording, so their taps take one lock; so do resizes and
 * idle flushes, which come from other threads.
 */
final class RecordingTaps {
    private final Recording recording;
    private final SftpObserver sftp;
    private final ScpObserver scp;
    private final boolean streams;
    private final SessionBridge.Kind kind;
    private final TerminalObservers observers;
    private final Object lock = new Object();

    private RecordingTaps(Recording recording, SessionBridge.Kind kind, String command, boolean streams,
            Consumer<FileOperation> fileOperations, TerminalObservers observers) {
        this.recording = recording;
        this.observers = observers;
        this.streams = streams;
        this.kind = kind;
        Consumer<FileOperation> recorded = op -> {
            synchronized (lock) {
                recording.fileOperation(op);
            }
            fileOperations.accept(op);
        };
        this.sftp = kind == SessionBridge.Kind.SFTP ? SftpObserver.create(recorded::accept) : null;
        this.scp = kind == SessionBridge.Kind.EXEC ? ScpObserver.forCommand(command, recorded::accept) : null;
    }

    /**
     * Starts the recording of a channel that has just opened on the node.
     *
     * @param streams {@code recording.streams}: false leaves the taps to the file-transfer observers alone
     * @param fileOperations also told of every file operation (for its audit event)
     * @param observers shown a shell's terminal output and window changes, as the recording sees them
     */
    static RecordingTaps start(SessionRecorder recorder, SessionFacts facts, GatewayChannelSession.PtyRequest pty,
            boolean streams, Consumer<FileOperation> fileOperations, TerminalObservers observers) {
        Recording recording = recorder.start(new RecordingInfo(facts.id(), facts.kind().name().toLowerCase(Locale.ROOT),
                facts.command(), pty == null ? null : pty.term(), pty == null ? 0 : pty.cols(), pty == null ? 0 : pty.rows(),
                facts.start(), facts.identity().user() + " -> " + facts.login() + "@" + facts.node().name()));
        return new RecordingTaps(recording, facts.kind(), facts.command(), streams, fileOperations, observers);
    }

    /** The {@code file.transfer} audit event for an operation seen in {@code facts}' streams. */
    static dev.gatehouse.recorder.AuditEvent transferEvent(SessionFacts facts, FileOperation op) {
        return facts.event(EventType.FILE_TRANSFER, "ok".equals(op.status()) ? "success" : "failure")
                .with("op", op.op())
                .with("path", op.path())
                .with("target", op.target())
                .with("bytes", op.bytes())
                .with("sha256", op.sha256())
                .with("status", op.status());
    }

    /** Sees what the node writes to stdout. */
    Pump.Tap out() {
        Pump.Tap rec = streams ? recording::output : Pump.Tap.NONE;
        if (sftp != null) {
            return (b, o, l) -> {
                rec.accept(b, o, l);
                sftp.serverToClient(b, o, l);
            };
        }
        if (scp != null) {
            return (b, o, l) -> {
                rec.accept(b, o, l);
                scp.serverToClient(b, o, l);
            };
        }
        return kind == SessionBridge.Kind.SHELL ? terminal(rec) : rec;
    }

    /** Sees what the node writes to stderr: into the terminal recording for a shell, its own stream otherwise. */
    Pump.Tap err() {
        if (kind == SessionBridge.Kind.SHELL) {
            return out();
        }
        return streams ? recording::error : Pump.Tap.NONE;
    }

    /** Sees what the client sends. */
    Pump.Tap in() {
        Pump.Tap rec = streams ? recording::input : Pump.Tap.NONE;
        if (sftp != null) {
            return (b, o, l) -> {
                rec.accept(b, o, l);
                sftp.clientToServer(b, o, l);
            };
        }
        if (scp != null) {
            return (b, o, l) -> {
                rec.accept(b, o, l);
                scp.clientToServer(b, o, l);
            };
        }
        return rec;
    }

    private Pump.Tap terminal(Pump.Tap rec) {
        return (b, o, l) -> {
            synchronized (lock) {
                rec.accept(b, o, l);
                observers.output(b, o, l);
            }
        };
    }

    void resize(int cols, int rows) {
        synchronized (lock) {
            recording.resize(cols, rows);
            observers.resize(cols, rows);
        }
    }

    void flushIdle() {
        synchronized (lock) {
            recording.flushIdle();
        }
    }

    /**
     * Ends the observers and the recording.
     *
     * @return the recording's summary (final hash, byte counts and digests)
     * @throws RuntimeException when the recording could not be completed (the store refused it)
     */
    RecordingSummary finish() {
        if (sftp != null) {
            sftp.close();
        }
        if (scp != null) {
            scp.close();
        }
        synchronized (lock) {
            return recording.finish();
        }
    }
}
