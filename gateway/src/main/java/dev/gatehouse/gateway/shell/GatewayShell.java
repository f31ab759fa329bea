package dev.gatehouse.gateway.shell;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.IdentityCheck;
import dev.gatehouse.gateway.session.LiveSession;
import dev.gatehouse.gateway.session.SessionIds;
import dev.gatehouse.recorder.Asciicast;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.io.IoReadFuture;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.AsyncCommand;
import dev.gatehouse.gateway.ssh.SerialSink;

/**
 * The gateway's own command shell, for SSH user names without {@code @}: one command
 * ({@code ssh gateway whoami}) or an interactive prompt with minimal line editing (echo,
 * backspace, Ctrl-C, Ctrl-D).
 *
 * <p>Implementation notes. Nothing here waits on a user: input arrives through MINA's
 * asynchronous stream and is fed to a {@link LineEditor} on the I/O thread, so an idle prompt holds
 * no thread. A complete line runs on the command pool, which grows with demand rather than queueing
 * one session's command behind another's (an admin's {@code lock} must never wait for somebody
 * else's idle shell). Output is collected, made safe for the terminal ({@link Views#terminalSafe})
 * and written asynchronously; a replay is played frame by frame from the timer, so it holds no
 * thread either, and Ctrl-C or a closed channel stops it. Reading pauses while a command runs,
 * which bounds what one session can queue. The shell is a {@link LiveSession}: locks, policy
 * changes and shutdown end it like any other session.
 */
public final class GatewayShell implements AsyncCommand, LiveSession {
    /** Input read at once; a line is at most {@link ShellCommands#MAX_LINE} anyway. */
    private static final int READ_SIZE = 4096;

    private final GatewayServices services;
    private final Identity identity;
    private final String commandLine;
    private final String id;
    private final Instant start;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final ShellCommands commands;
    private IoInputStream in;
    private SerialSink out;
    private SerialSink err;
    private ExitCallback exit;
    private boolean pty;
    private LineEditor editor;
    private String userTenant;
    /** Input read but not yet fed to the editor (a pasted block of several lines); guarded by this. */
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    /** A read is outstanding; guarded by this. */
    private boolean reading;
    /** A command of the interactive shell runs; guarded by this. */
    private boolean running;
    private volatile Playback playing;
    /** The {@code observe} in progress, or null; guarded by this. */
    private ShellObservation observing;

    /** @param commandLine the exec command, or null for an interactive shell */
    public GatewayShell(GatewayServices services, Identity identity, String commandLine) {
        this.services = services;
        this.identity = identity;
        this.commandLine = commandLine;
        this.id = SessionIds.next(services.clock());
        this.start = services.clock().instant();
        this.commands = new ShellCommands(services, identity);
    }

    @Override
    public void setIoInputStream(IoInputStream value) {
        in = value;
    }

    @Override
    public void setIoOutputStream(IoOutputStream value) {
        out = new SerialSink(value);
    }

    @Override
    public void setIoErrorStream(IoOutputStream value) {
        err = new SerialSink(value);
    }

    @Override
    public void setExitCallback(ExitCallback value) {
        exit = value;
    }

    @Override
    public void setInputStream(InputStream value) {
        // asynchronous streams only
    }

    @Override
    public void setOutputStream(OutputStream value) {
        // asynchronous streams only
    }

    @Override
    public void setErrorStream(OutputStream value) {
        // asynchronous streams only
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        pty = env.getEnv().containsKey(Environment.ENV_TERM) || !env.getPtyModes().isEmpty();
        userTenant = services.policy().current().user(identity.user()).flatMap(u -> u.tenant()).orElse(null);
        Optional<String> gone = IdentityCheck.problem(services.policy().current(), services.access().state(), identity);
        if (gone.isPresent()) {
            services.audit().append(services.audit().event(EventType.SESSION_DENIED, "denied").withSource(identity.source())
                    .withUser(identity.user()).withSessionId(id).with("kind", "gateway-shell").with("reason", gone.get()));
            end(1, "gatehouse: " + gone.get() + "\n");
            return;
        }
        services.sessions().add(this);
        if (commandLine != null) {
            run(commandLine, true);
            return;
        }
        editor = new LineEditor(pty);
        write(out, "Gatehouse gateway shell for " + identity.user()
                + ". Type 'help'; reach a node with ssh LOGIN@NODE@gateway.\n" + prompt());
        read();
    }

    private static String prompt() {
        return "gatehouse> ";
    }

    /** Asks for more input unless a read is already outstanding (a channel stream takes one at a time). */
    private synchronized void read() {
        if (ended.get() || reading) {
            return;
        }
        reading = true;
        in.read(new ByteArrayBuffer(READ_SIZE, false)).addListener(this::onRead);
    }

    /**
     * Input arrived. At the prompt it goes to the editor; during a replay only Ctrl-C counts (it
     * stops the replay, other typing is dropped); while a command runs it waits its turn.
     */
    private synchronized void onRead(IoReadFuture f) {
        reading = false;
        if (ended.get()) {
            return;
        }
        Throwable failure = f.getException();
        if (failure != null) {
            // EOF (the client closed its input) ends the shell like Ctrl-D; anything else quietly
            end(0, failure instanceof EOFException && pty ? "\n" : null);
            return;
        }
        Buffer b = f.getBuffer();
        if (observing != null) {
            // read-only: no keystroke reaches the observed session; q, Ctrl-C or Ctrl-D stop watching
            while (b.available() > 0) {
                byte key = b.getByte();
                if (key == 'q' || key == 3 || key == 4) {
                    observing.stop();
                    return;
                }
            }
            read();
            return;
        }
        Playback playback = playing;
        if (playback != null) {
            while (b.available() > 0) {
                if (b.getByte() == 3) {
                    playback.stop();
                    return;
                }
            }
            read();
            return;
        }
        pending.write(b.array(), b.rpos(), b.available());
        if (!running) {
            feed();
        }
    }

    /** Feeds pending input to the editor until a line is complete (then runs it) or input runs out (then reads). */
    private synchronized void feed() {
        byte[] input = pending.toByteArray();
        pending.reset();
        for (int i = 0; i < input.length; i++) {
            LineEditor.Event event = editor.feed(input[i]);
            if (event == LineEditor.Event.NONE) {
                continue;
            }
            flushEcho();
            if (event == LineEditor.Event.INTERRUPT) {
                write(out, prompt());
                continue;
            }
            if (event == LineEditor.Event.END) {
                end(0, "\n");
                return;
            }
            pending.write(input, i + 1, input.length - i - 1);
            String line = editor.completed().trim();
            if (line.equals("exit") || line.equals("quit") || line.equals("logout")) {
                end(0, null);
                return;
            }
            running = true;
            run(line, false);
            return;
        }
        flushEcho();
        read();
    }

    private void flushEcho() {
        byte[] echo = editor.takeEcho();
        if (echo.length > 0) {
            out.write(new ByteArrayBuffer(echo));
        }
    }

    /** Runs one command line on the command pool; then prompts again, or exits for an exec command. */
    private void run(String line, boolean once) {
        try {
            services.commandPool().execute(() -> {
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                ByteArrayOutputStream e = once ? new ByteArrayOutputStream() : o;
                ShellCommands.Result result;
                try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
                        PrintStream pe = once ? new PrintStream(e, true, StandardCharsets.UTF_8) : po) {
                    result = commands.execute(line, po, pe);
                } catch (RuntimeException failure) {
                    result = new ShellCommands.Result(1, null);
                    e.writeBytes(("gatehouse: the command failed: " + failure.getClass().getSimpleName() + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
                ShellCommands.Result done = result;
                if (done.observe() != null) {
                    observe(done.observe(), once);
                    return;
                }
                IoWriteFuture written = write(out, o.toString(StandardCharsets.UTF_8));
                IoWriteFuture errors = once ? write(err, e.toString(StandardCharsets.UTF_8)) : written;
                // the exit status (or the next prompt) follows the output once it is on its way
                written.addListener(w -> errors.addListener(x -> {
                    if (done.playback() != null) {
                        play(done.playback(), () -> afterCommand(done.status(), once));
                    } else {
                        afterCommand(done.status(), once);
                    }
                }));
            });
        } catch (RejectedExecutionException busy) {
            write(once ? err : out, "gatehouse: the gateway is too busy to run commands now; try again\n")
                    .addListener(f -> afterCommand(1, once));
        }
    }

    /**
     * {@code observe ID} (on the command pool): the session is found (refusals first), a pty is
     * required, and the session is watched
     * through {@link LiveCommands}, the console's service and rules; its output streams to this
     * terminal through {@link ShellObservation} while input is read only for the keys that stop it.
     */
    private void observe(String sessionId, boolean once) {
        LiveCommands commands = new LiveCommands(services, identity);
        ShellObservation observation;
        try {
            // the service's refusals (permission, tenant, unknown, another instance) come first, audited
            LiveSession target = commands.target(sessionId);
            if (!pty) {
                refuseCommand(once, "observe needs a terminal: connect with ssh -t (ssh -t -p PORT GATEWAY observe "
                        + target.id() + ")");
                return;
            }
            String header = "observing " + Views.escape(target.user()) + " on "
                    + (target.node() == null ? "the gateway" : Views.escape(target.login() + "@" + target.node()))
                    + ", session " + target.id() + " (" + target.kindName() + ")";
            observation = new ShellObservation(out, text -> write(out, text), header, services.commandPool(),
                    end -> observationEnded(end, once));
            synchronized (this) {
                observing = observation;
            }
            observation.attach(commands.watch(sessionId, observation));
        } catch (dev.gatehouse.gateway.access.LiveSessions.Refused refused) {
            synchronized (this) {
                observing = null;
            }
            refuseCommand(once, refused.getMessage());
            return;
        }
        read();
    }

    /** The observation ended (not because the shell did): the terminal is reset, the reason shown, then the prompt or the exit. */
    private void observationEnded(ShellObservation.End end, boolean once) {
        synchronized (this) {
            observing = null;
        }
        if (ended.get()) {
            return;
        }
        out.write(new ByteArrayBuffer(ShellObservation.RESET.getBytes(StandardCharsets.US_ASCII)));
        SerialSink.whenWritten(write(out, "\n" + end.line() + "\n"), services.timer(), () -> afterCommand(end.status(), once));
    }

    /** A command's one-line refusal (stderr for an exec command), then the prompt or the exit with status 1. */
    private void refuseCommand(boolean once, String why) {
        write(once ? err : out, "gatehouse: " + why + "\n").addListener(f -> afterCommand(1, once));
    }

    /** The shell ends: an observation in progress closes with {@code why}. */
    private void leaveObservation(String why) {
        ShellObservation o;
        synchronized (this) {
            o = observing;
            observing = null;
        }
        if (o != null) {
            o.leave(why);
        }
    }

    private void afterCommand(int status, boolean once) {
        if (once) {
            end(status, null);
            return;
        }
        if (ended.get()) {
            return;
        }
        write(out, prompt()).addListener(f -> {
            synchronized (this) {
                running = false;
                feed();
            }
        });
    }

    /**
     * Plays frames one at a time from the timer: a frame is written, and the next is scheduled when
     * the write completed, so a slow client slows the replay instead of filling memory. In the
     * interactive shell input is read meanwhile, so that Ctrl-C can stop it.
     */
    private void play(Iterator<Asciicast.Frame> frames, Runnable then) {
        Playback playback = new Playback(frames, then);
        playing = playback;
        if (commandLine == null) {
            read();
        }
        playback.next();
    }

    /** One replay in progress; {@link #stop} ends it at once, even in the middle of a pause. */
    private final class Playback {
        /** The recorded user chose every byte: what could act on the auditor's terminal is dropped (as in observe). */
        private final TerminalOutputFilter filter = new TerminalOutputFilter();
        private final Iterator<Asciicast.Frame> frames;
        private final Runnable then;
        private ScheduledFuture<?> waiting;
        private boolean stopped;
        private boolean done;

        Playback(Iterator<Asciicast.Frame> frames, Runnable then) {
            this.frames = frames;
            this.then = then;
        }

        /** Ctrl-C: a pending pause is cancelled; a write in flight finds the stop when it completes. */
        void stop() {
            boolean cancelled;
            synchronized (this) {
                stopped = true;
                cancelled = waiting != null && waiting.cancel(false);
                if (cancelled) {
                    waiting = null;
                }
            }
            if (cancelled) {
                finish();
            }
        }

        /** The session ended: drop any pending pause, write nothing more. */
        synchronized void cancel() {
            stopped = true;
            done = true;
            if (waiting != null) {
                waiting.cancel(false);
            }
        }

        /** Writes frames while they need no pause and their writes complete at once (a loop, not recursion). */
        void next() {
            while (!ended.get()) {
                Asciicast.Frame frame;
                synchronized (this) {
                    frame = stopped || !frames.hasNext() ? null : frames.next();
                    if (frame != null && frame.pauseMicros() > 0) {
                        Asciicast.Frame paused = frame;
                        waiting = services.timer().schedule(() -> afterPause(paused), frame.pauseMicros(), TimeUnit.MICROSECONDS);
                        return;
                    }
                }
                if (frame == null) {
                    finish();
                    return;
                }
                IoWriteFuture written = out.write(new ByteArrayBuffer(crlf(filter.filter(frame.bytes()))));
                if (!written.isDone()) {
                    written.addListener(f -> next());
                    return;
                }
            }
        }

        private void afterPause(Asciicast.Frame frame) {
            boolean stop;
            synchronized (this) {
                waiting = null;
                stop = stopped;
            }
            if (stop) {
                finish();
                return;
            }
            out.write(new ByteArrayBuffer(crlf(filter.filter(frame.bytes())))).addListener(f -> next());
        }

        /**
         * Once: the prompt (after "^C" when stopped) or the exit follows. The continuation runs outside
         * this monitor: it takes the shell's, which {@link #onRead} holds while it calls {@link #stop}.
         */
        private void finish() {
            boolean interrupted;
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
                interrupted = stopped;
            }
            playing = null;
            if (interrupted) {
                write(out, "^C\n");
            }
            then.run();
        }
    }

    /**
     * Writes text to the client: escaped by {@link Views#terminalSafe}, and with a pty every lone
     * LF becomes CR LF, as a terminal expects.
     */
    private IoWriteFuture write(SerialSink sink, String text) {
        byte[] bytes = Views.terminalSafe(text).getBytes(StandardCharsets.UTF_8);
        return sink.write(new ByteArrayBuffer(crlf(bytes)));
    }

    private byte[] crlf(byte[] bytes) {
        if (!pty) {
            return bytes;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(bytes.length + 16);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r')) {
                b.write('\r');
            }
            b.write(bytes[i]);
        }
        return b.toByteArray();
    }

    /** Ends the shell once: an optional last line on stderr, then the exit status. */
    private void end(int status, String lastLine) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        cancelPlayback();
        leaveObservation("the observer left");
        services.sessions().remove(id);
        if (lastLine == null) {
            exit.onExit(status);
            return;
        }
        SerialSink.whenWritten(write(status == 0 ? out : err, lastLine), services.timer(), () -> exit.onExit(status));
    }

    @Override
    public void destroy(ChannelSession channel) {
        ended.set(true);
        cancelPlayback();
        leaveObservation("the observer left");
        services.sessions().remove(id);
    }

    private void cancelPlayback() {
        Playback p = playing;
        playing = null;
        if (p != null) {
            p.cancel();
        }
    }

    // ---- LiveSession: locks, policy changes and shutdown reach the gateway shell too ----

    @Override
    public String id() {
        return id;
    }

    @Override
    public String user() {
        return identity.user();
    }

    @Override
    public String keyFingerprint() {
        return identity.keyFingerprint();
    }

    @Override
    public String source() {
        return identity.source();
    }

    @Override
    public String login() {
        return null;
    }

    @Override
    public String node() {
        return null;
    }

    @Override
    public String kindName() {
        return "gateway-shell";
    }

    @Override
    public Instant start() {
        return start;
    }

    @Override
    public String userTenant() {
        return userTenant;
    }

    @Override
    public String nodeTenant() {
        return null;
    }

    @Override
    public String grantId() {
        return null;
    }

    @Override
    public Instant grantEnd() {
        return null;
    }

    @Override
    public int warningsSent() {
        return 0;
    }

    @Override
    public void warn(int level, String line) {
        if (!ended.get()) {
            write(err, "\n" + line + "\n");
        }
    }

    @Override
    public void flushRecording() {
        // the gateway shell records its commands as audit events, not a terminal recording
    }

    @Override
    public void terminate(String reason) {
        leaveObservation(reason);
        end(255, "\ngatehouse: " + reason + "\n");
    }
}
