package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionIds;
import dev.gatehouse.gateway.shell.Views;
import dev.gatehouse.gateway.ssh.upstream.UpstreamPool;
import dev.gatehouse.pki.CertificateRefusedException;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Node;
import dev.gatehouse.policy.Target;
import dev.gatehouse.recorder.AuditEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.sshd.common.io.IoInputStream;
import org.apache.sshd.common.io.IoOutputStream;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.channel.ChannelSessionAware;
import org.apache.sshd.server.command.AsyncCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one session channel whose user name is {@code LOGIN@NODE}: takes the verdict carried
 * from authentication ({@link AccessJudge}), leases an upstream connection from the client
 * connection's {@link UpstreamPool} (minting a certificate only when a new one is needed) and
 * hands over to a {@link BridgedChannel}.
 *
 * <p>Runs on an I/O thread and does no I/O of its own: every later step continues from a future's
 * listener, and the one synchronous store write of the path (an elevated certificate recorded with
 * its grant) runs on {@link SessionPath#storeWrites()} before the connection is made. The only wait
 * left is the audit queue's backpressure: an append waits (at most 5 s) only when the store's
 * bounded queue is full, as every audit append does.
 *
 * <p>Every refusal happens before any upstream connection and reaches the user as one line
 * ({@code gatehouse: ...}) on stderr with exit status 1, plus an audit event.
 */
final class SessionBridge implements AsyncCommand, ChannelSessionAware {
    private static final Logger LOG = LoggerFactory.getLogger(SessionBridge.class);

    /** What the channel asked for. */
    enum Kind { SHELL, EXEC, SFTP }

    private final SessionPath path;
    private final Kind kind;
    private final String command;
    private IoInputStream in;
    private IoOutputStream out;
    private IoOutputStream err;
    private ExitCallback exit;
    private GatewayChannelSession channel;
    private volatile BridgedChannel bridged;
    private volatile boolean destroyed;

    SessionBridge(SessionPath path, Kind kind, String command) {
        this.path = path;
        this.kind = kind;
        this.command = command;
    }

    @Override
    public void setChannelSession(ChannelSession session) {
        channel = (GatewayChannelSession) session;
    }

    @Override
    public void setIoInputStream(IoInputStream value) {
        in = value;
    }

    @Override
    public void setIoOutputStream(IoOutputStream value) {
        out = value;
    }

    @Override
    public void setIoErrorStream(IoOutputStream value) {
        err = value;
    }

    @Override
    public void setExitCallback(ExitCallback value) {
        exit = value;
    }

    @Override
    public void setInputStream(java.io.InputStream value) {
        // async streams only
    }

    @Override
    public void setOutputStream(java.io.OutputStream value) {
        // async streams only
    }

    @Override
    public void setErrorStream(java.io.OutputStream value) {
        // async streams only
    }

    @Override
    public void start(ChannelSession session, Environment env) {
        Identity identity = session.getSession().getAttribute(SessionAttributes.IDENTITY);
        String sessionId = SessionIds.next(path.clock());
        String sshUser = session.getSession().getUsername();
        Target target;
        try {
            target = Target.parse(sshUser).orElseThrow();
        } catch (IllegalArgumentException e) {
            refuse(identity, sessionId, null, null, e.getMessage());
            return;
        }
        java.time.Instant now = path.clock().instant();
        AccessJudge.Verdict verdict = path.verdict(session.getSession(), identity, target);
        PolicyHolder.Snapshot snapshot = verdict.snapshot();
        Decision decision = verdict.decision();
        if (!verdict.allowed()) {
            // the user and key must still hold now (R28), and the evaluator must allow the login
            refuse(identity, sessionId, target.node(), target.login(), verdict.refusal());
            return;
        }
        if (verdict.secondFactor() && !TotpAuth.passed(session.getSession())) {
            refuse(identity, sessionId, target.node(), target.login(),
                    "this elevated login needs a TOTP code; connect with a terminal that can answer the prompt");
            return;
        }
        if (!path.audit().acceptingSessions()) {
            refuse(identity, sessionId, target.node(), target.login(),
                    AuditTrail.refusedWhileDown("sessions"));
            return;
        }
        Node node = snapshot.policy().node(target.node()).orElseThrow();
        GatewayChannelSession.PtyRequest pty = channel.pty();
        Set<String> extensions = pty != null ? Set.of("permit-pty") : Set.of();
        UpstreamPool pool = SessionAttributes.upstreamPool(session.getSession(), path.upstream());
        UpstreamPool.Lease lease;
        try {
            PolicyHolder.Snapshot minting = snapshot;
            lease = pool.acquire(new UpstreamPool.Key(node, target.login(), extensions, decision.grantId()),
                    () -> UpstreamCredentials.mint(path, minting, identity, sessionId, target.login(), decision, node, extensions));
        } catch (CertificateRefusedException e) {
            refuse(identity, sessionId, target.node(), target.login(), e.getMessage());
            return;
        } catch (IllegalStateException e) {
            // the client connection is closing: nobody is left to tell
            exit.onExit(255, "connection closing");
            return;
        }
        String userTenant = snapshot.policy().user(identity.user()).flatMap(u -> u.tenant()).orElse(null);
        SessionFacts facts = new SessionFacts(sessionId, identity, node, target.login(), kind, command, lease.certificate(), now,
                path.clock(), decision.grantId(), decision.grantEnd(), userTenant);
        boolean recorded = path.audit().append(facts.event(EventType.SESSION_START, "success")
                .with("kind", kind.name().toLowerCase(java.util.Locale.ROOT))
                .with("command", command)
                .with("pty", pty != null ? pty.term() + " " + pty.cols() + "x" + pty.rows() : null)
                .with("rule", decision.reason())
                .with("upstream", lease.minted() ? "new" : "shared"));
        if (!recorded && !path.audit().acceptingSessions()) {
            lease.release();
            refuse(identity, sessionId, target.node(), target.login(),
                    AuditTrail.refusedWhileDown("sessions"));
            return;
        }
        BridgedChannel bridge = new BridgedChannel(path, facts, verdict, channel, new UpstreamLease(pool, lease), in, out, err, exit);
        bridged = bridge;
        // registered before the node is contacted, so a lock or a policy change made while the
        // connection is being set up finds the session and keeps its command off the node
        path.sessions().add(bridge);
        if (destroyed) {
            bridge.clientClosed();
            return;
        }
        bridge.connect();
    }

    /** Refuses the session: one line to the user, one audit event, exit status 1; nothing upstream. */
    private void refuse(Identity identity, String sessionId, String node, String login, String reason) {
        AuditEvent event = path.audit().event(EventType.SESSION_DENIED, "denied")
                .withSource(identity.source())
                .withUser(identity.user())
                .withTarget(node, login)
                .withSessionId(sessionId)
                .with("reason", reason)
                .with("ssh_user", channel.getSession().getUsername());
        path.audit().append(event);
        LOG.info("session refused: user={} target={} reason={}", identity.user(), printable(channel.getSession().getUsername()), reason);
        writeLineAndExit(err, exit, "gatehouse: " + reason, 1);
    }

    /** Writes one line to the stream, then exits once it is on its way. */
    static void writeLineAndExit(IoOutputStream stream, ExitCallback exit, String line, int status) {
        byte[] bytes = (Views.terminalSafe(line) + "\r\n").getBytes(StandardCharsets.UTF_8);
        try {
            stream.writeBuffer(new ByteArrayBuffer(bytes)).addListener(f -> exit.onExit(status, line));
        } catch (IOException e) {
            exit.onExit(status, line);
        }
    }

    /** Text from the client made safe for a log line, a prompt or a terminal: the one {@link dev.gatehouse.policy.Printable} rule. */
    static String printable(String s) {
        return dev.gatehouse.policy.Printable.escape(s);
    }

    @Override
    public void destroy(ChannelSession session) {
        destroyed = true;
        BridgedChannel b = bridged;
        if (b != null) {
            b.clientClosed();
        }
    }
}
