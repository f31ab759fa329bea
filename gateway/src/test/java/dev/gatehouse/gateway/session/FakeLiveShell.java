package dev.gatehouse.gateway.session;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A live interactive shell of alice's (tenant team-a) as aiops on gpu-node-1, for tests of the
 * live-session listing, observe and terminate: its output is what the test {@link #write}s, each
 * observer is told an 80x24 terminal, and who watched and why it was terminated are recorded.
 */
public class FakeLiveShell implements LiveSession {

    /** Runs inside {@link #observe} before the observer is added (a test holds observers there). */
    public interface Gate {
        void pass() throws InterruptedException;
    }

    private final String id;
    private final Instant start;
    public final List<TerminalObserver> observers = new CopyOnWriteArrayList<>();
    /** Who the user was told watches, in order. */
    public final List<String> watchers = new CopyOnWriteArrayList<>();
    /** The reasons it was terminated with, in order. */
    public final List<String> terminated = new CopyOnWriteArrayList<>();
    /** Bytes sent to the user so far (what {@link #bytesOut} says). */
    public final AtomicLong out = new AtomicLong(4096);
    public volatile Gate gate = () -> { };

    public FakeLiveShell(String id, Instant start) {
        this.id = id;
        this.start = start;
    }

    /** Output of the session, as every observer sees it. */
    public void write(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        observers.forEach(o -> o.output(bytes, 0, bytes.length));
    }

    /** The session ends, as its observers are told. */
    public void end() {
        observers.forEach(TerminalObserver::ended);
    }

    @Override public String id() { return id; }
    @Override public String user() { return "alice"; }
    @Override public String keyFingerprint() { return null; }
    @Override public String login() { return "aiops"; }
    @Override public String node() { return "gpu-node-1"; }
    @Override public String kindName() { return "shell"; }
    @Override public Instant start() { return start; }
    @Override public String userTenant() { return "team-a"; }
    @Override public String nodeTenant() { return "team-a"; }
    @Override public String grantId() { return null; }
    @Override public Instant grantEnd() { return null; }
    @Override public int warningsSent() { return 0; }
    @Override public void warn(int level, String line) { }
    @Override public void flushRecording() { }
    @Override public long bytesOut() { return out.get(); }
    @Override public boolean observable() { return true; }
    @Override public void terminate(String reason) { terminated.add(reason); }

    @Override
    public TerminalObserver.Observation observe(String who, TerminalObserver observer) {
        try {
            gate.pass();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watchers.add(who);
        observers.add(observer);
        observer.resize(80, 24);
        return () -> observers.remove(observer);
    }
}
