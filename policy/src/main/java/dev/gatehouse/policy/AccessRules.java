package dev.gatehouse.policy;

import java.time.Instant;
import java.util.Set;

/** Who may see a request, and who may set or lift a lock; see {@link ElevationRules}. */
final class AccessRules {
    private AccessRules() {}

    static boolean canSee(Policy policy, String viewer, AccessRequest request) {
        Actors actors = new Actors(policy);
        User user = actors.user(viewer);
        if (Actors.actorProblem(user) != null || !Tenants.same(Tenants.of(user), request.tenant())) {
            return false;
        }
        if (user.name().equals(request.requester()) || actors.approverOf(user, request.login())) {
            return true;
        }
        Set<Permission> held = actors.permissions(user);
        return held.contains(Permission.ADMIN) || held.contains(Permission.AUDIT);
    }

    static Result<Lock> lock(Policy policy, String by, Lock.Kind kind, String name, String reason, Instant at) {
        Actors actors = new Actors(policy);
        User admin = actors.user(by);
        String problem = adminProblem(actors, admin, "lock");
        if (problem == null) {
            problem = nameProblem(actors, kind, name);
        }
        if (problem == null) {
            problem = Texts.problem(reason, "reason");
        }
        String tenant = admin == null ? null : Tenants.of(admin);
        if (problem == null && tenant != null) {
            problem = scopeProblem(actors, tenant, kind, name);
        }
        if (problem != null) {
            return Result.refused(problem);
        }
        // A tenant admin's lock is scoped to their tenant; only an admin without a tenant sets
        // locks that reach every tenant.
        return Result.ok(new Lock(kind, name, tenant, admin.name(), at, Texts.blank(reason) ? null : reason.strip()));
    }

    static Result<Lock> unlock(Policy policy, String by, Lock lock, String reason) {
        Actors actors = new Actors(policy);
        User admin = actors.user(by);
        String problem = adminProblem(actors, admin, "unlock");
        if (problem == null && !Tenants.same(Tenants.of(admin), lock.tenant())) {
            problem = lock.tenant() == null
                    ? "the lock on " + lock.describe() + " applies to every tenant; only an admin without a tenant can lift it"
                    : "no lock on " + lock.describe() + " in your tenant";
        }
        if (problem == null) {
            problem = Texts.problem(reason, "reason");
        }
        return problem == null ? Result.ok(lock) : Result.refused(problem);
    }

    static String adminProblem(Policy policy, String by, String verb) {
        Actors actors = new Actors(policy);
        return adminProblem(actors, actors.user(by), verb);
    }

    private static String adminProblem(Actors actors, User admin, String verb) {
        String problem = Actors.actorProblem(admin);
        if (problem == null && !actors.permissions(admin).contains(Permission.ADMIN)) {
            problem = "you need the admin permission to " + verb;
        }
        return problem;
    }

    private static String nameProblem(Actors actors, Lock.Kind kind, String name) {
        if (kind == null || Texts.blank(name)) {
            return "say what to lock: user, node, login or tenant, and its name";
        }
        boolean ok = switch (kind) {
            case USER -> Names.USER.matcher(name).matches();
            case NODE -> Names.NODE.matcher(name).matches();
            case LOGIN -> LoginNames.problem(name).isEmpty();
            case TENANT -> Texts.problem(name, "tenant") == null && name.length() <= 63 && name.equals(name.strip());
        };
        return ok ? null : kind.name().toLowerCase(java.util.Locale.ROOT) + " name " + Names.quote(name) + " is not valid";
    }

    /** A tenant admin locks only what belongs to their tenant. */
    private static String scopeProblem(Actors actors, String tenant, Lock.Kind kind, String name) {
        return switch (kind) {
            case USER -> {
                User target = actors.user(name);
                yield target != null && tenant.equals(Tenants.of(target)) ? null
                        : "user " + Names.quote(name) + " is not in your tenant";
            }
            case NODE -> actors.policy.node(name).filter(n -> tenant.equals(Tenants.of(n))).isPresent() ? null
                    : "node " + Names.quote(name) + " is not in your tenant";
            case TENANT -> tenant.equals(name) ? null : "you can only lock your own tenant";
            case LOGIN -> null;
        };
    }
}
