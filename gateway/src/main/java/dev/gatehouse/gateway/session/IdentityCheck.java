package dev.gatehouse.gateway.session;

import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Lock;
import dev.gatehouse.policy.User;
import java.util.Optional;

/**
 * Whether a person who proved their identity earlier on a connection still holds it (R28): their
 * user is still in the policy and enabled, the key they signed with is still theirs, and no user
 * lock names them. Checked before every gateway-shell command and channel, and for every live
 * session after each policy reload, so removing access ends access.
 *
 * <p>Only user locks count here: they are the kill switch for a compromised account, which must
 * lose the gateway shell (approve, lock) too. Tenant, node and login locks stop access to nodes
 * (the evaluator applies them to every node session) but leave the gateway shell to the people
 * who must investigate and lift them: a tenant admin who locks their own tenant can still unlock it.
 */
public final class IdentityCheck {
    private IdentityCheck() {}

    /**
     * Why {@code identity} no longer holds, as one line for the user and the audit log; empty when it
     * does. An identity proven without an SSH key (an OIDC login, or a client certificate from the
     * gateway's own TLS CA: {@link Identity#keyFingerprint()} null or empty) has no key to lose; the
     * user, enabled and lock checks apply to it as to everyone.
     */
    public static Optional<String> problem(PolicyHolder.Snapshot policy, AccessState state, Identity identity) {
        String name = identity.user();
        User user = policy.user(name).orElse(null);
        if (user == null) {
            return Optional.of("user '" + name + "' is no longer in the policy");
        }
        if (user.disabled()) {
            return Optional.of("user '" + name + "' is disabled");
        }
        boolean keyless = identity.keyFingerprint() == null || identity.keyFingerprint().isEmpty();
        if (!keyless && !name.equals(policy.keyOwner(identity.keyFingerprint()).orElse(null))) {
            return Optional.of("the key " + identity.keyFingerprint() + " no longer belongs to user '" + name + "'");
        }
        return state.locksMatching(name, user.tenant().orElse(null), null, null, null).stream()
                .filter(l -> l.kind() == Lock.Kind.USER).findFirst().map(l -> l.describe() + " is locked");
    }
}
