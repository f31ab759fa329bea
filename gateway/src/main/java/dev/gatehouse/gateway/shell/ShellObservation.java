package dev.gatehouse.gateway.shell;

import dev.gatehouse.gateway.access.LiveSessions;
import dev.gatehouse.gateway.session.TerminalObserver;
import dev.gatehouse.gateway.ssh.SerialSink;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * One {@code observe ID} of the gateway shell: the observed session's output, through a
 * {@link TerminalOutputFilter}, written to the observer's terminal (the shell's stdout).
 *
 * <p>The relay never waits: {@link #output} filters the chunk and hands it to the shell's
 * {@link SerialSink}, which queues it. At most {@link LiveSessions#OBSERVER_MAX_BEHIND} bytes may
 * wait to be written to the observer; one further behind is dropped
 * ({@link LiveSessions#OBSERVER_TOO_SLOW}), the console's rule. The observation ends once, for the
 * first of: the session ended, the gateway stopped it (the observer locked, or the observation
 * terminated), the observer pressed a key that stops it ({@link #stop}), too slow, or the shell
 * ended ({@link #leave}). The watch is then closed with why (audited as {@code session.observe}
 * step {@code end}), off the relay's thread, and {@code onEnd} is told the line to show.
 */
final class ShellObservation implements TerminalObserver {
    /**
     * Written once the observation ends, before the last line: undoes what the observed session may
     * have left set on the observer's terminal (colours, hidden cursor, bracketed paste, application
     * cursor keys and keypad, character set, alternate screen, scroll region).
     */
    static final String RESET = "\u001b[0m\u001b[?25h\u001b[?2004l\u001b[?1l\u001b>\u001b(B\u001b[?1049l\u001b7\u001b[r\u001b8";

    /** How the observation ended: the reason recorded in the audit log and the line shown, and the exit status. */
    record End(String reason, String line, int status) {}

    private final SerialSink out;
    private final Consumer<String> text;
    private final String header;
    private final Executor executor;
    private final Consumer<End> onEnd;
    private final TerminalOutputFilter filter = new TerminalOutputFilter();
    /** Guards the filter, the header, behind and the end. */
    private final Object lock = new Object();
    private boolean headerSent;
    private long behind;
    private End end;
    private boolean told;
    private volatile LiveSessions.Watch watch;

    /**
     * @param out the observer's terminal (raw bytes)
     * @param text writes a line of the gateway's own text to the same terminal (escaped, CR LF)
     * @param header the first line, without the size and the final newline
     * @param executor where the watch is closed and {@code onEnd} runs
     * @param onEnd told once how the observation ended (not when the shell left: {@link #leave})
     */
    ShellObservation(SerialSink out, Consumer<String> text, String header, Executor executor, Consumer<End> onEnd) {
        this.out = out;
        this.text = text;
        this.header = header;
        this.executor = executor;
        this.onEnd = onEnd;
    }

    /** The service's watch, once it is returned; an end that came first closes it now. */
    void attach(LiveSessions.Watch w) {
        End done;
        synchronized (lock) {
            watch = w;
            done = end;
        }
        if (done != null) {
            w.close(done.reason());
        }
    }

    @Override
    public void resize(int cols, int rows) {
        synchronized (lock) {
            header(" (their terminal: " + cols + "x" + rows + ")");
        }
    }

    /** The header line, once, before any output (guarded by {@link #lock}). */
    private void header(String size) {
        if (!headerSent && end == null) {
            headerSent = true;
            text.accept("gatehouse: " + header + size + "; read-only; press q or Ctrl-C to stop\n");
        }
    }

    @Override
    public void output(byte[] data, int offset, int length) {
        boolean tooSlow = false;
        synchronized (lock) {
            if (end != null) {
                return;
            }
            header("");
            byte[] shown = filter.filter(data, offset, length);
            if (shown.length == 0) {
                return;
            }
            if (behind + shown.length > LiveSessions.OBSERVER_MAX_BEHIND) {
                tooSlow = true;
            } else {
                behind += shown.length;
                out.write(new ByteArrayBuffer(shown)).addListener(f -> {
                    synchronized (lock) {
                        behind -= shown.length;
                    }
                });
            }
        }
        if (tooSlow) {
            finish(new End(LiveSessions.OBSERVER_TOO_SLOW, "gatehouse: " + LiveSessions.OBSERVER_TOO_SLOW, 1));
        }
    }

    @Override
    public void ended() {
        finish(new End("the session ended", "gatehouse: the observed session ended", 0));
    }

    @Override
    public void stopped(String reason) {
        finish(new End(reason, "gatehouse: observation stopped: " + reason, 1));
    }

    /** The observer pressed q, Ctrl-C or Ctrl-D. */
    void stop() {
        finish(new End("the observer stopped", "gatehouse: stopped observing", 0));
    }

    /** The observer's shell ended ({@code why}): the watch is closed, nothing more is written. */
    void leave(String why) {
        synchronized (lock) {
            told = true;
        }
        finish(new End(why, null, 0));
    }

    private void finish(End e) {
        boolean tell;
        synchronized (lock) {
            if (end != null) {
                return;
            }
            end = e;
            tell = !told;
            told = true;
        }
        Runnable close = () -> {
            LiveSessions.Watch w = watch;
            if (w != null) {
                w.close(e.reason());
            }
            if (tell) {
                onEnd.accept(e);
            }
        };
        try {
            executor.execute(close);
        } catch (RejectedExecutionException busy) {
            close.run(); // the gateway is stopping: close here rather than leave the watch open
        }
    }
}
