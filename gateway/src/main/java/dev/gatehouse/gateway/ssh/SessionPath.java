package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.gateway.ssh.upstream.UpstreamConnector;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.recorder.AccessLog;
import dev.gatehouse.recorder.SessionRecorder;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * What the session path ({@link SessionBridge}, {@link BridgedChannel}) uses, and nothing else,
 * in place of the whole {@link GatewayServices}.
 *
 * @param clock time of decisions, certificates and events
 * @param policy the current policy snapshot and CA
 * @param access the current access state (grants, locks)
 * @param issued where elevated certificates are recorded with their grant (R02)
 * @param certificates lifetime and source addresses of minted certificates
 * @param recordStreams {@code recording.streams}
 * @param audit the audit log
 * @param recorder session recordings
 * @param upstream connections to nodes
 * @param sessions live sessions, which locks and revokes end
 * @param timer grace periods and last-line waits
 * @param storeWrites runs the synchronous store writes of the session path (an elevated
 *     certificate recorded with its grant) off the I/O threads
 */
record SessionPath(Clock clock, PolicyHolder policy, Supplier<AccessState> access, AccessLog issued,
        GatewayConfig.Certificates certificates, boolean recordStreams, AuditTrail audit, SessionRecorder recorder,
        UpstreamConnector upstream, SessionRegistry sessions, ScheduledExecutorService timer, Executor storeWrites) {

    static SessionPath of(GatewayServices s) {
        return new SessionPath(s.clock(), s.policy(), s.access()::state, s.access().log(), s.config().certificates(),
                s.config().recording().streams(), s.audit(), s.recorder(), s.upstream(), s.sessions(), s.timer(),
                s.commandPool());
    }

    /**
     * The access verdict for a channel of {@code connection} to {@code target}: the one made at
     * authentication, judged again only in what changed since (same identity, login and node: the
     * user name cannot change), else judged now. Sessions and forwards both start from it, so the
     * TOTP requirement and the decision come from one snapshot.
     */
    AccessJudge.Verdict verdict(org.apache.sshd.common.session.Session connection, dev.gatehouse.gateway.session.Identity identity,
            dev.gatehouse.policy.Target target) {
        PolicyHolder.Snapshot snapshot = policy.current();
        AccessState state = access.get();
        java.time.Instant now = clock.instant();
        AccessJudge.Verdict earlier = connection.getAttribute(SessionAttributes.AUTH_VERDICT);
        return earlier != null && earlier.identity().equals(identity)
                && earlier.login().equals(target.login()) && earlier.node().equals(target.node())
                ? AccessJudge.recheck(earlier, snapshot, state, now)
                : AccessJudge.judge(snapshot, state, identity, target.login(), target.node(), now);
    }

    /** {@code earlier} re-judged now against the current policy and access state (see {@link AccessJudge#recheck}). */
    AccessJudge.Verdict recheck(AccessJudge.Verdict earlier) {
        return AccessJudge.recheck(earlier, policy.current(), access.get(), clock.instant());
    }
}
