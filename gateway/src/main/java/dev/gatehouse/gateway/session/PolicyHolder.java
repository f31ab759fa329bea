package dev.gatehouse.gateway.session;

import dev.gatehouse.pki.CertificateAuthority;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.policy.PolicyEvaluator;
import dev.gatehouse.policy.User;
import java.security.KeyPair;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The current policy and the CA that enforces its forbidden logins, swapped atomically on reload.
 * A session reads one snapshot and uses it throughout, so a reload never mixes two policies.
 */
public final class PolicyHolder {

    /**
     * One consistent view.
     *
     * @param users the policy's users by name
     * @param keyOwners user name by the {@code SHA256:} fingerprint of each of their keys
     */
    public record Snapshot(PolicyEvaluator evaluator, CertificateAuthority ca, Map<String, User> users,
            Map<String, String> keyOwners) {
        public Snapshot {
            users = Map.copyOf(users);
            keyOwners = Map.copyOf(keyOwners);
        }

        public Policy policy() {
            return evaluator.policy();
        }

        /** The user named {@code name}, if the policy still lists them. */
        public Optional<User> user(String name) {
            return Optional.ofNullable(name == null ? null : users.get(name));
        }

        /** Who owns the key with this fingerprint under this policy, if anybody. */
        public Optional<String> keyOwner(String fingerprint) {
            return Optional.ofNullable(fingerprint == null ? null : keyOwners.get(fingerprint));
        }
    }

    private final KeyPair caKey;
    private final Clock clock;
    private final AtomicReference<Snapshot> current = new AtomicReference<>();

    public PolicyHolder(KeyPair caKey, Clock clock, Policy initial) {
        this.caKey = caKey;
        this.clock = clock;
        replace(initial);
    }

    public Snapshot current() {
        return current.get();
    }

    public void replace(Policy policy) {
        Map<String, User> users = new HashMap<>();
        Map<String, String> owners = new HashMap<>();
        for (User u : policy.users()) {
            users.putIfAbsent(u.name(), u);
            for (String line : u.keys()) {
                try {
                    owners.putIfAbsent(SshKeys.fingerprint(SshKeys.parse(line)), u.name());
                } catch (IllegalArgumentException e) {
                    // the parser accepted it, so the key is well formed; one we cannot fingerprint owns nothing
                }
            }
        }
        current.set(new Snapshot(PolicyEvaluator.of(policy), CertificateAuthority.openSsh(caKey, policy.forbiddenLogins(), clock),
                users, owners));
    }
}
