package dev.gatehouse.gateway.session;

import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.Lock;
import dev.gatehouse.policy.User;
import java.util.List;
import java.util.Optional;

/**
 * Whether a person who proved their identity earlier on a connection still holds it (R28): their
 * user is still in the policy and enabled, the key they signed with is still theirs, and no lock
 * names them or their tenant. Checked before every gateway-shell command and channel, and for every
 * live session after each policy reload, so removing access ends access.
 */
public final class IdentityCheck {
    private IdentityCheck() {}

    /** Why {@code identity} no longer holds, as one line for the user and the audit log; empty when it does. */
    public static Optional<String> problem(PolicyHolder.Snapshot policy, AccessState state, Identity identity) {
        String name = identity.user();
        User user = policy.user(name).orElse(null);
        if (user == null) {
            return Optional.of("user '" + name + "' is no longer in the policy");
        }
        if (user.disabled()) {
            return Optional.of("user '" + name + "' is disabled");
        }
        if (!name.equals(policy.keyOwner(identity.keyFingerprint()).orElse(null))) {
            return Optional.of("the key " + identity.keyFingerprint() + " no longer belongs to user '" + name + "'");
        }
        List<Lock> locks = state.locksMatching(name, user.tenant().orElse(null), null, null, null);
        if (!locks.isEmpty()) {
            return Optional.of(locks.get(0).describe() + " is locked");
        }
        return Optional.empty();
    }
}
