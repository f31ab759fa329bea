package dev.gatehouse.gateway.session;

import dev.gatehouse.pki.CertificateAuthority;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.policy.PolicyEvaluator;
import java.security.KeyPair;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The current policy and the CA that enforces its forbidden logins, swapped atomically on reload.
 * A session reads one snapshot and uses it throughout, so a reload never mixes two policies.
 */
public final class PolicyHolder {

    /** One consistent view. */
    public record Snapshot(PolicyEvaluator evaluator, CertificateAuthority ca) {
        public Policy policy() {
            return evaluator.policy();
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
        current.set(new Snapshot(PolicyEvaluator.of(policy),
                CertificateAuthority.openSsh(caKey, policy.forbiddenLogins(), clock)));
    }
}
