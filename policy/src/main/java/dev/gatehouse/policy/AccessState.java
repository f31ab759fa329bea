package dev.gatehouse.policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The gateway's dynamic access state handed to pure decisions: requests (live ones at least) and
 * the locks that are on. Immutable; the {@code with*} methods return updated copies.
 *
 * @param requests requests by id; ids are unique
 * @param locks active locks
 */
public record AccessState(List<AccessRequest> requests, Set<Lock> locks) {
    private static final AccessState EMPTY = new AccessState(List.of(), Set.of());

    public AccessState {
        requests = List.copyOf(requests);
        locks = Set.copyOf(locks);
    }

    /** No requests, no locks: what the three-argument {@code decide} uses. */
    public static AccessState empty() {
        return EMPTY;
    }

    public Optional<AccessRequest> request(String id) {
        return requests.stream().filter(r -> r.id().equals(id)).findFirst();
    }

    /**
     * The grant letting {@code user} use {@code login} on {@code node} at {@code now}, the one
     * ending last when several do. Tenancy and policy are checked by the evaluator, not here.
     */
    public Optional<AccessRequest> activeGrant(String user, String login, Node node, Instant now) {
        return requests.stream()
                .filter(r -> r.requester().equals(user) && r.activeAt(now) && r.covers(login, node))
                .max(Comparator.comparing(AccessRequest::windowEnd));
    }

    /**
     * Locks that stop {@code user} (of {@code userTenant}) using {@code login} on {@code node}, in a
     * stable order (user, node, login, tenant) so the refusal names the same lock every time.
     * Arguments may be null when they do not apply.
     */
    public List<Lock> locksMatching(String user, String userTenant, String login, String node, String nodeTenant) {
        return locks.stream()
                .filter(l -> l.matches(user, userTenant, login, node, nodeTenant))
                .sorted(Comparator.comparing(Lock::kind).thenComparing(Lock::name).thenComparing(Lock::at))
                .toList();
    }

    /** This state with {@code request} added, or replacing the one with its id. */
    public AccessState withRequest(AccessRequest request) {
        List<AccessRequest> out = new ArrayList<>(requests.size() + 1);
        boolean replaced = false;
        for (AccessRequest r : requests) {
            if (r.id().equals(request.id())) {
                out.add(request);
                replaced = true;
            } else {
                out.add(r);
            }
        }
        if (!replaced) {
            out.add(request);
        }
        return new AccessState(out, locks);
    }

    public AccessState withLock(Lock lock) {
        Set<Lock> out = new HashSet<>(locks);
        out.add(lock);
        return new AccessState(requests, out);
    }

    /** Without every lock of this kind, name and tenant scope. */
    public AccessState withoutLock(Lock.Kind kind, String name, String tenant) {
        Set<Lock> out = new HashSet<>(locks);
        out.removeIf(l -> l.kind() == kind && l.name().equals(name) && java.util.Objects.equals(l.tenant(), tenant));
        return new AccessState(requests, out);
    }
}
