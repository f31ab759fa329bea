package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Target;
import java.util.List;
import java.util.Optional;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.server.auth.keyboard.InteractiveChallenge;
import org.apache.sshd.server.auth.keyboard.KeyboardInteractiveAuthenticator;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.session.ServerSession;

/**
 * The second factor for elevated logins whose elevation says {@code second_factor: totp}: the
 * key is checked first; when the target needs TOTP, public-key success is held back and the
 * client must go on with keyboard-interactive and answer a TOTP prompt. Keyboard-interactive on
 * its own never authenticates anybody.
 */
final class TotpAuth implements KeyboardInteractiveAuthenticator {
    /** The key was verified and the target needs a TOTP code. */
    private static final AttributeKey<Boolean> PENDING = new AttributeKey<>();
    /** The TOTP code was accepted on this connection. */
    private static final AttributeKey<Boolean> PASSED = new AttributeKey<>();

    private final GatewayServices services;

    TotpAuth(GatewayServices services) {
        this.services = services;
    }

    /**
     * Whether elevated use of {@code login} on {@code node} needs TOTP: any elevation for that login
     * matching the node asks for it (the strictest rule wins, whichever elevation governed the grant).
     */
    static boolean required(GatewayServices services, Decision decision, String login, String node) {
        return decision.viaGrant()
                && services.policy().current().evaluator().secondFactor(login, node).filter("totp"::equals).isPresent();
    }

    static boolean passed(ServerSession session) {
        return Boolean.TRUE.equals(session.getAttribute(PASSED));
    }

    /** Whether a connection for {@code sshUser} by {@code identity} must answer a TOTP challenge. */
    private static boolean requiredFor(GatewayServices services, Identity identity, String sshUser) {
        try {
            Optional<Target> target = Target.parse(sshUser);
            if (target.isEmpty()) {
                return false;
            }
            Decision d = services.policy().current().evaluator().decide(identity.user(), target.get().login(), target.get().node(),
                    services.access().state(), services.clock().instant());
            return d.allowed() && required(services, d, target.get().login(), target.get().node());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public InteractiveChallenge generateChallenge(ServerSession session, String username, String lang, String subMethods) {
        Identity identity = session.getAttribute(SessionAttributes.IDENTITY);
        if (identity == null || !Boolean.TRUE.equals(session.getAttribute(PENDING))) {
            return null;
        }
        InteractiveChallenge challenge = new InteractiveChallenge();
        challenge.setInteractionName("Gatehouse second factor");
        challenge.setInteractionInstruction(services.totp().enrolled(identity.user())
                ? "This elevated login needs a TOTP code."
                : "This elevated login needs a TOTP code, and " + identity.user() + " has none: run 'totp enroll' in the gateway shell first.");
        challenge.setLanguageTag("");
        challenge.addPrompt("TOTP code for " + SessionBridge.printable(username) + ": ", false);
        return challenge;
    }

    @Override
    public boolean authenticate(ServerSession session, String username, List<String> responses) {
        Identity identity = session.getAttribute(SessionAttributes.IDENTITY);
        if (identity == null || !Boolean.TRUE.equals(session.getAttribute(PENDING)) || responses.size() != 1) {
            return false;
        }
        java.util.OptionalLong step = services.totp().verify(identity.user(), responses.get(0));
        boolean ok = step.isPresent();
        services.audit().append(services.audit().event("auth.totp", ok ? "success" : "failure")
                .withSource(identity.source()).withUser(identity.user()).with("ssh_user", SessionBridge.printable(username))
                .with("step", ok ? step.getAsLong() : null));
        if (ok) {
            session.setAttribute(PASSED, Boolean.TRUE);
        }
        return ok;
    }

    /** Public-key authentication that holds back success when the target needs TOTP. */
    static final class PublicKeyFirst extends UserAuthPublicKeyFactory {
        private final GatewayServices services;

        PublicKeyFirst(GatewayServices services) {
            this.services = services;
        }

        @Override
        public UserAuthPublicKey createUserAuth(ServerSession session) {
            return new UserAuthPublicKey(getSignatureFactories()) {
                @Override
                public Boolean doAuth(org.apache.sshd.common.util.buffer.Buffer buffer, boolean init) throws Exception {
                    Boolean result = super.doAuth(buffer, init);
                    if (Boolean.TRUE.equals(result)) {
                        Identity identity = session.getAttribute(SessionAttributes.IDENTITY);
                        if (identity != null && requiredFor(services, identity, getUsername())) {
                            session.setAttribute(PENDING, Boolean.TRUE);
                            return Boolean.FALSE;
                        }
                    }
                    return result;
                }
            };
        }
    }
}
