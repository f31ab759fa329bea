package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.Identity;
import java.io.IOException;
import java.util.Map;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.PtyMode;
import org.apache.sshd.common.channel.RequestHandler;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * A server session channel that keeps what a faithful bridge needs and MINA would drop: the raw
 * pty request (pixel sizes too), window changes as they arrive, signal and break requests by
 * name, and an exit by signal. Environment requests pass an allow-list ({@link EnvAllowList}:
 * {@code LANG}, {@code LC_*}, {@code TERM}, matched as OpenSSH's {@code AcceptEnv} matches); anything
 * else, and a name that is no valid variable name, is refused.
 *
 * <p>Every refused request is audited as {@code channel.refused} (environment variables by name
 * only: their values may be secrets): unknown subsystems, refused variables, and pty or
 * window-change requests whose sizes are out of range (RFC 4254 sections 6.2 and 6.7 send them
 * as uint32, so a hostile client can claim 2^31 columns) or whose terminal type is not a plain
 * name. After {@value #MAX_REFUSALS} refusals on one channel it is closed, so a client cannot
 * flood the audit log through one channel.
 */
final class GatewayChannelSession extends ChannelSession {
    /** Largest terminal width or height in characters accepted. */
    static final int MAX_CHARS = 10_000;
    /** Largest terminal width or height in pixels accepted. */
    static final int MAX_PIXELS = 100_000;
    /** Environment variables held per channel, as OpenSSH's sshd bounds them; more are ignored. */
    static final int MAX_ENV = 128;
    /** Refused requests tolerated on one channel before it is closed. */
    static final int MAX_REFUSALS = 64;
    private static final java.util.regex.Pattern TERM = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");


    /** The pty-req as the client sent it. */
    record PtyRequest(String term, int cols, int rows, int widthPx, int heightPx, Map<PtyMode, Integer> modes) {}

    /** Receives requests that must be forwarded upstream while the command runs. */
    interface RequestListener {
        void windowChange(int cols, int rows, int widthPx, int heightPx);

        void signal(String name);

        void breakRequest(long millis);
    }

    private final ForwardingRefusal forwarding;
    private final AuditTrail audit;
    private final java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
    private volatile PtyRequest pty;
    private boolean envCapReported;
    private volatile RequestListener listener;

    GatewayChannelSession(ForwardingRefusal forwarding, AuditTrail audit) {
        this.forwarding = forwarding;
        this.audit = audit;
    }

    /**
     * Why a pty-req ({@code window == false}) or window-change ({@code window == true}) with these
     * values is refused, or null. Character sizes may be 0 in a pty-req (a client without a
     * terminal sends zeros; RFC 4254 section 6.2 lets pixels rule then), never in a window-change.
     */
    static String sizeProblem(String term, int cols, int rows, int widthPx, int heightPx, boolean window) {
        int least = window ? 1 : 0;
        if (cols < least || cols > MAX_CHARS || rows < least || rows > MAX_CHARS) {
            return "terminal size " + Integer.toUnsignedString(cols) + "x" + Integer.toUnsignedString(rows)
                    + " is out of range (" + least + " to " + MAX_CHARS + " characters)";
        }
        if (widthPx < 0 || widthPx > MAX_PIXELS || heightPx < 0 || heightPx > MAX_PIXELS) {
            return "terminal size " + Integer.toUnsignedString(widthPx) + "x" + Integer.toUnsignedString(heightPx)
                    + " pixels is out of range (0 to " + MAX_PIXELS + ")";
        }
        if (term != null && !term.isEmpty() && !TERM.matcher(term).matches()) {
            return "terminal type " + dev.gatehouse.policy.Printable.escape(term.length() > 64 ? term.substring(0, 64) + "..." : term)
                    + " is not a plain name";
        }
        return null;
    }

    /** Audits a refused channel request; closes the channel once a client keeps sending refused ones. */
    private RequestHandler.Result refused(String request, String name, String reason) {
        Identity identity = getSession().getAttribute(SessionAttributes.IDENTITY);
        int n = refusals.incrementAndGet();
        if (n <= MAX_REFUSALS) {
            auditRefusal(request, name, reason);
        }
        if (n == MAX_REFUSALS) {
            audit.append(audit.event(EventType.CHANNEL_REFUSED, "denied")
                    .withSource(identity != null ? identity.source() : null)
                    .withUser(identity != null ? identity.user() : null)
                    .with("request", "*").with("reason", "more than " + MAX_REFUSALS + " refused requests on one channel; closing it"));
            close(false);
        }
        return RequestHandler.Result.ReplyFailure;
    }

    private void auditRefusal(String request, String name, String reason) {
        Identity identity = getSession().getAttribute(SessionAttributes.IDENTITY);
        audit.append(audit.event(EventType.CHANNEL_REFUSED, "denied")
                .withSource(identity != null ? identity.source() : null)
                .withUser(identity != null ? identity.user() : null)
                .with("request", request).with("name", name).with("reason", reason)
                .with("ssh_user", getSession().getUsername()));
    }

    /** Whether the variable {@code name} is passed on to the node ({@link EnvAllowList#allows}). */
    static boolean allowedEnv(String name) {
        return EnvAllowList.allows(name);
    }

    PtyRequest pty() {
        return pty;
    }

    void setRequestListener(RequestListener value) {
        listener = value;
    }

    @Override
    protected RequestHandler.Result handleEnvParsed(String name, String value) throws IOException {
        String invalid = EnvAllowList.invalidName(name);
        if (invalid != null) {
            return refused("env", name, invalid);
        }
        if (!EnvAllowList.allows(name)) {
            return refused("env", name, "only " + String.join(", ", EnvAllowList.PATTERNS) + " are passed on");
        }
        java.util.Map<String, String> held = getEnvironment().getEnv();
        if (!held.containsKey(name) && held.size() >= MAX_ENV) {
            // as OpenSSH's sshd (session.c ignores variables past 128); audited once, not per
            // variable, and not counted toward MAX_REFUSALS, so the command still runs
            if (!envCapReported) {
                envCapReported = true;
                auditRefusal("env", name, "more than " + MAX_ENV + " variables on one channel; the rest are ignored");
            }
            return RequestHandler.Result.ReplyFailure;
        }
        return super.handleEnvParsed(name, value);
    }

    @Override
    protected RequestHandler.Result handleSubsystemParsed(String request, String subsystem) throws IOException {
        if (!"sftp".equals(subsystem)) {
            return refused("subsystem", subsystem, "unknown subsystem; only sftp is served");
        }
        return super.handleSubsystemParsed(request, subsystem);
    }

    /**
     * MINA turns agent requests down before consulting the forwarding filter when no agent factory
     * is set, which would leave the attempt unaudited; refuse and record it here (R20).
     */
    @Override
    protected RequestHandler.Result handleAgentForwarding(String requestType, Buffer buffer, boolean wantReply) {
        forwarding.canForwardAgent(getSession(), requestType);
        return RequestHandler.Result.ReplyFailure;
    }

    @Override
    protected RequestHandler.Result handlePtyReqParsed(String term, int cols, int rows, int width, int height,
            Map<PtyMode, Integer> modes) throws IOException {
        String problem = sizeProblem(term, cols, rows, width, height, false);
        if (problem != null) {
            return refused("pty-req", term, problem);
        }
        pty = new PtyRequest(term, cols, rows, width, height, Map.copyOf(modes));
        return super.handlePtyReqParsed(term, cols, rows, width, height, modes);
    }

    @Override
    protected RequestHandler.Result handleWindowChangeParsed(int cols, int rows, int width, int height) throws IOException {
        String problem = sizeProblem(null, cols, rows, width, height, true);
        if (problem != null) {
            return refused("window-change", null, problem);
        }
        RequestListener l = listener;
        if (l != null) {
            l.windowChange(cols, rows, width, height);
        }
        return super.handleWindowChangeParsed(cols, rows, width, height);
    }

    @Override
    protected RequestHandler.Result handleSignalParsed(String name) throws IOException {
        RequestListener l = listener;
        if (l != null) {
            l.signal(name);
            return RequestHandler.Result.ReplySuccess;
        }
        return super.handleSignalParsed(name);
    }

    @Override
    protected RequestHandler.Result handleBreakParsed(long millis) throws IOException {
        RequestListener l = listener;
        if (l != null) {
            l.breakRequest(millis);
            return RequestHandler.Result.ReplySuccess;
        }
        return super.handleBreakParsed(millis);
    }

    /**
     * Wakes both output streams when the client opens its window. MINA's server channel resumes
     * only stdout ({@code asyncOut}); a stderr write waiting for window space would wait for good,
     * and with it the node's whole channel (RFC 4254 section 5.2: one window for both streams).
     */
    @Override
    public void handleWindowAdjust(Buffer buffer) throws IOException {
        super.handleWindowAdjust(buffer);
        org.apache.sshd.common.channel.ChannelAsyncOutputStream stderr = asyncErr;
        if (stderr != null) {
            stderr.onWindowExpanded();
        }
    }

    /**
     * Ends the channel the way sshd does when the command died of a signal: EOF, {@code exit-signal}
     * (RFC 4254 6.10), close, and no {@code exit-status}.
     */
    void exitWithSignal(String signal, boolean coreDumped, String message) throws IOException {
        if (isClosing()) {
            return;
        }
        sendEof();
        Buffer buffer = getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 64);
        buffer.putUInt(getRecipient());
        buffer.putString("exit-signal");
        buffer.putBoolean(false);
        buffer.putString(signal);
        buffer.putBoolean(coreDumped);
        buffer.putString(message == null ? "" : message);
        buffer.putString("");
        writePacket(buffer);
        commandExitFuture.setClosed();
        close(false);
    }

    /** Registered with the server in place of MINA's session channel factory. */
    static final class Factory extends org.apache.sshd.server.channel.ChannelSessionFactory {
        private final ForwardingRefusal forwarding;
        private final AuditTrail audit;

        Factory(ForwardingRefusal forwarding, AuditTrail audit) {
            this.forwarding = forwarding;
            this.audit = audit;
        }

        @Override
        public org.apache.sshd.common.channel.Channel createChannel(org.apache.sshd.common.session.Session session) {
            return new GatewayChannelSession(forwarding, audit);
        }
    }
}
