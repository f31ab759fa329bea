package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.policy.Target;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.server.auth.keyboard.InteractiveChallenge;
import org.apache.sshd.server.auth.keyboard.KeyboardInteractiveAuthenticator;
import org.apache.sshd.server.session.ServerSession;

/**
 * The second factor for elevated logins whose elevation says {@code second_factor: totp}, asked
 * with RFC 4256 keyboard-interactive after the public key's signature has verified and
 * {@link PublicKeyMethod} answered with partial success. The prompt names the identity that
 * signed, and the code is checked against that identity's secret: nothing the client sends in
 * this step can change who it is. Keyboard-interactive on its own never authenticates anybody.
 *
 * <p>The SSH user name cannot change between requests (MINA disconnects a client that tries), and
 * the pending second factor and its result are bound to the name they were judged for anyway, so
 * {@link #passed} only holds for the name the connection authenticated with.
 */
final class TotpAuth implements KeyboardInteractiveAuthenticator {
    /** The SSH user name whose target needs a TOTP code, set once a signature verified. */
    private static final AttributeKey<String> PENDING = new AttributeKey<>();
    /** The SSH user name a TOTP code was accepted for on this connection. */
    private static final AttributeKey<String> PASSED = new AttributeKey<>();

    private final GatewayServices services;
    private final AuthAudit audit;

    TotpAuth(GatewayServices services, AuthAudit audit) {
        this.services = services;
        this.audit = audit;
    }

    /** Whether a TOTP code was accepted on this connection for the user name it authenticated with. */
    static boolean passed(ServerSession session) {
        String passedFor = session.getAttribute(PASSED);
        return passedFor != null && passedFor.equals(session.getUsername());
    }

    /**
     * Whether the connection of {@code identity} (proven by a signature) for {@code sshUser} must
     * answer a TOTP challenge before it is authenticated. False when the connection does not offer
     * keyboard-interactive (the policy had no TOTP elevation when it connected): then the session
     * is refused later with a clear line, in {@link SessionBridge}.
     */
    boolean requiredFor(ServerSession session, Identity identity, String sshUser) {
        if (!Boolean.TRUE.equals(session.getAttribute(SessionAttributes.SECOND_FACTOR_OFFERED))) {
            return false;
        }
        try {
            Optional<Target> target = Target.parse(sshUser);
            if (target.isEmpty()) {
                return false;
            }
            AccessJudge.Verdict verdict = AccessJudge.judge(services.policy().current(), services.access().state(), identity,
                    target.get().login(), target.get().node(), services.clock().instant());
            // carried to the channel, which re-judges only what changed since (AccessJudge.recheck)
            session.setAttribute(SessionAttributes.AUTH_VERDICT, verdict);
            return verdict.allowed() && verdict.secondFactor();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Marks the connection as waiting for a TOTP code for {@code sshUser}. */
    void expect(ServerSession session, String sshUser) {
        session.setAttribute(PENDING, sshUser);
    }

    /** The identity a challenge may be put to: proven by a signature, pending a code for this same user name. */
    private static Identity pendingIdentity(ServerSession session, String username) {
        Identity identity = session.getAttribute(SessionAttributes.IDENTITY);
        String pendingFor = session.getAttribute(PENDING);
        return identity != null && pendingFor != null && pendingFor.equals(username) ? identity : null;
    }

    @Override
    public InteractiveChallenge generateChallenge(ServerSession session, String username, String lang, String subMethods) {
        Identity identity = pendingIdentity(session, username);
        if (identity == null) {
            return null;
        }
        InteractiveChallenge challenge = new InteractiveChallenge();
        challenge.setInteractionName("Gatehouse second factor");
        String instruction = "This elevated login needs " + identity.user() + "'s TOTP code.";
        if (!services.totp().enrolled(identity.user())) {
            instruction += " " + identity.user() + " has none: run 'totp enroll' in the gateway shell first.";
        } else if (services.totp().throttled(identity.user())) {
            instruction += " Too many wrong codes were given for " + identity.user() + "; wait a minute.";
        }
        challenge.setInteractionInstruction(instruction);
        challenge.setLanguageTag("");
        challenge.addPrompt(identity.user() + "'s TOTP code for " + SessionBridge.printable(username) + ": ", false);
        return challenge;
    }

    @Override
    public boolean authenticate(ServerSession session, String username, List<String> responses) {
        Identity identity = pendingIdentity(session, username);
        if (identity == null) {
            return false;
        }
        if (responses.size() != 1) {
            audit.totp(session, username, identity, OptionalLong.empty(), "expected one answer, got " + responses.size());
            return false;
        }
        if (services.totp().throttled(identity.user())) {
            audit.totp(session, username, identity, OptionalLong.empty(), "too many wrong codes for this person in the last minute");
            return false;
        }
        OptionalLong step = services.totp().verify(identity.user(), responses.get(0));
        audit.totp(session, username, identity, step, step.isPresent() ? null : "wrong, reused or not enrolled");
        if (step.isEmpty()) {
            return false;
        }
        session.removeAttribute(PENDING);
        session.setAttribute(PASSED, username);
        audit.success(session, username, identity, "publickey,keyboard-interactive");
        return true;
    }
}
