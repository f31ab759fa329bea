package dev.gatehouse.gateway.session;

import dev.gatehouse.policy.Node;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.policy.User;
import dev.gatehouse.recorder.TenantScope;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What one tenant may see of the audit store (R19), for the store's searches: in a multi-tenant
 * policy, the nodes and users of the viewer's tenant, or for a viewer of no tenant everything no
 * tenant holds (nodes no longer in the policy included); in a single-tenant policy, everything.
 * The same rule as the gateway shell's {@code sessions} and {@code replay}: a session belongs to its
 * node's tenant.
 */
public final class TenantScopes {
    private TenantScopes() {}

    /** The scope of a viewer of {@code tenant} (null: no tenant) under {@code policy}. */
    public static TenantScope of(Policy policy, String tenant) {
        if (!policy.multiTenant()) {
            return TenantScope.ALL;
        }
        if (tenant == null) {
            return new TenantScope(
                    TenantScope.Names.except(policy.nodes().stream().filter(n -> n.tenant().isPresent()).map(Node::name)
                            .collect(Collectors.toSet())),
                    TenantScope.Names.except(policy.users().stream().filter(u -> u.tenant().isPresent()).map(User::name)
                            .collect(Collectors.toSet())));
        }
        return new TenantScope(
                TenantScope.Names.of(policy.nodes().stream().filter(n -> n.tenant().equals(Optional.of(tenant)))
                        .map(Node::name).collect(Collectors.toSet())),
                TenantScope.Names.of(policy.users().stream().filter(u -> u.tenant().equals(Optional.of(tenant)))
                        .map(User::name).collect(Collectors.toSet())));
    }
}
