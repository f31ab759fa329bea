package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.policy.PolicyEvaluator.AppAccess;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link PolicyEvaluator#decideApp} and {@link PolicyEvaluator#reachableApps}: opening a web app
 * through the gateway is held to the same locks, tenancy and login rules as an SSH session on the
 * app's login, and is allowed only to holders of a role that lists the app. Time is a plain
 * Instant moved by hand: {@code at(90)} is 90 minutes after {@link #T0}.
 */
class AppDecisionTest {
    static final Instant T0 = Instant.parse("2026-05-04T09:00:00Z");
    private static final String HOST_KEY = TestKeys.ed25519(9);

    /**
     * team-a: alice (engineer: logins aiops and notebook on pool main, apps jupyter and dash), bob
     * (approver), nina (viewer: may request the notebook login but lists no app), olga (analyst:
     * lists jupyter on every gpu node but holds its notebook login only by elevation), zed
     * (disabled engineer). team-b: frank (engineer). jupyter and dash run on every gpu node; grafana on cpu nodes, listed by no role.
     */
    static final String POLICY = """
            forbidden_logins: [toor]
            users:
              - {name: alice, keys: [], roles: [engineer], tenant: team-a}
              - {name: bob, keys: [], roles: [approver], tenant: team-a}
              - {name: nina, keys: [], roles: [viewer], tenant: team-a}
              - {name: olga, keys: [], roles: [analyst], tenant: team-a}
              - {name: zed, keys: [], roles: [engineer], tenant: team-a, disabled: true}
              - {name: frank, keys: [], roles: [engineer], tenant: team-b}
            nodes:
              - {name: gpu-a1, address: 10.0.0.11, host_key: "%1$s", labels: {tenant: team-a, kind: gpu, pool: main}}
              - {name: gpu-a0, address: 10.0.0.10, host_key: "%1$s", labels: {tenant: team-a, kind: gpu, pool: main}}
              - {name: gpu-a2, address: 10.0.0.12, host_key: "%1$s", labels: {tenant: team-a, kind: gpu, pool: spare}}
              - {name: cpu-a3, address: 10.0.0.13, host_key: "%1$s", labels: {tenant: team-a, kind: cpu, pool: main}}
              - {name: gpu-b1, address: 10.0.1.11, host_key: "%1$s", labels: {tenant: team-b, kind: gpu, pool: main}}
            roles:
              - {name: engineer, logins: [aiops, notebook], nodes: {pool: main}, apps: [jupyter, dash]}
              - {name: analyst, logins: [aiops], nodes: {kind: gpu}, apps: [jupyter]}
              - {name: approver, logins: [aiops], nodes: {kind: gpu}}
              - {name: viewer, logins: [aiops], nodes: {kind: gpu}}
            elevations:
              - login: notebook
                nodes: {kind: gpu}
                max_duration: 1h
                requesters: [engineer, viewer, analyst]
                approvers: [approver]
            apps:
              - {name: jupyter, nodes: {kind: gpu}, target: "http://127.0.0.1:8888", login: notebook}
              - {name: dash, nodes: {kind: gpu}, target: "http://127.0.0.1:8050", login: aiops}
              - {name: grafana, nodes: {kind: cpu}, target: "http://10.0.0.50:3000", login: aiops}
            """.formatted(HOST_KEY);

    private static final Policy POLICY_MODEL = PolicyLoader.parse(POLICY, "policy.yaml");
    private final PolicyEvaluator evaluator = PolicyEvaluator.of(POLICY_MODEL);

    static Instant at(long minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    /** {@code requester}'s notebook grant on {@code node} for 30 minutes, approved by bob at minute 10: window [10, 40). */
    private static AccessRequest notebookGrant(String id, String requester, String node) {
        AccessRequest pending = ElevationRules.newRequest(POLICY_MODEL, id, requester, "notebook", NodeTarget.parse(node),
                Duration.ofMinutes(30), "debug the kernel", T0, AccessState.empty()).orElseThrow();
        return ElevationRules.apply(POLICY_MODEL, pending, new RequestEvent.Approve("bob", null, at(10)), AccessState.empty())
                .orElseThrow();
    }

    private Decision decide(String user, String app, String node, AccessState state, long minute) {
        return evaluator.decideApp(user, app, node, state, at(minute));
    }

    private Decision decide(String user, String app, String node) {
        return decide(user, app, node, AccessState.empty(), 20);
    }

    private static Lock lock(Lock.Kind kind, String name) {
        return new Lock(kind, name, "ops", T0, "incident");
    }

    @Test
    void aRoleListingTheAppWhoseSelectorMatchesTheNodeAllowsAndIsNamed() {
        assertThat(decide("alice", "jupyter", "gpu-a1")).isEqualTo(Decision.allow("role engineer opens app jupyter"));
        assertThat(decide("frank", "jupyter", "gpu-b1").allowed()).isTrue();
    }

    @Test
    void unknownAppsAndNodesAreRefusedByName() {
        assertThat(decide("alice", "nope", "gpu-a1")).isEqualTo(Decision.deny("no app 'nope'"));
        assertThat(decide("alice", null, "gpu-a1")).isEqualTo(Decision.deny("no app ''"));
        assertThat(decide("alice", "jupyter", "gpu-zz")).isEqualTo(Decision.deny("unknown node 'gpu-zz'"));
        assertThat(decide("alice", "jupyter", null)).isEqualTo(Decision.deny("unknown node ''"));
        assertThat(decide("mallory", "jupyter", "gpu-a1")).isEqualTo(Decision.deny("unknown user"));
    }

    /** An app runs only where its selector says: a role must not open it on another node, where a different service may listen. */
    @Test
    void aNodeTheAppsSelectorDoesNotMatchIsRefused() {
        assertThat(decide("alice", "jupyter", "cpu-a3")).isEqualTo(Decision.deny("app 'jupyter' is not on node 'cpu-a3'"));
    }

    @Test
    void aRoleWithoutTheAppDoesNotOpenIt() {
        assertThat(decide("alice", "grafana", "cpu-a3"))
                .isEqualTo(Decision.deny("no role of user 'alice' allows app 'grafana' on node 'cpu-a3'"));
        assertThat(decide("bob", "jupyter", "gpu-a1"))
                .isEqualTo(Decision.deny("no role of user 'bob' allows app 'jupyter' on node 'gpu-a1'"));
    }

    /** A role lists the app but its own selector leaves the node out: standing access stops there. */
    @Test
    void theRolesSelectorMustMatchTheNodeToo() {
        assertThat(decide("alice", "jupyter", "gpu-a2"))
                .isEqualTo(Decision.deny("no role of user 'alice' allows app 'jupyter' on node 'gpu-a2'"));
    }

    /** The kill switch stops app access like SSH access, on every scope, whatever the role says. */
    @Test
    void locksOnUserNodeLoginOrTenantDeny() {
        for (Lock lock : List.of(lock(Lock.Kind.USER, "alice"), lock(Lock.Kind.NODE, "gpu-a1"),
                lock(Lock.Kind.LOGIN, "notebook"), lock(Lock.Kind.TENANT, "team-a"))) {
            assertThat(decide("alice", "jupyter", "gpu-a1", AccessState.empty().withLock(lock), 20))
                    .isEqualTo(Decision.deny(lock.describe() + " is locked"));
        }
        // A lock on another login leaves an app on the notebook login alone.
        assertThat(decide("alice", "jupyter", "gpu-a1", AccessState.empty().withLock(lock(Lock.Kind.LOGIN, "aiops")), 20)
                .allowed()).isTrue();
        assertThat(decide("alice", "dash", "gpu-a1", AccessState.empty().withLock(lock(Lock.Kind.LOGIN, "aiops")), 20))
                .isEqualTo(Decision.deny("login 'aiops' is locked"));
    }

    /** Tenancy: a role selector that also matches another tenant's node must not open an app there. */
    @Test
    void anotherTenantsNodeIsRefused() {
        assertThat(decide("alice", "jupyter", "gpu-b1")).isEqualTo(Decision.deny("node 'gpu-b1' belongs to another tenant"));
        assertThat(decide("frank", "jupyter", "gpu-a1")).isEqualTo(Decision.deny("node 'gpu-a1' belongs to another tenant"));
    }

    @Test
    void aDisabledUserIsRefused() {
        assertThat(decide("zed", "jupyter", "gpu-a1")).isEqualTo(Decision.deny("user 'zed' is disabled"));
        assertThat(evaluator.reachableApps("zed")).isEmpty();
    }

    /** The parser refuses a root app; a hand-made Policy must not get one past the evaluator either. */
    @Test
    void anAppLoggingInAsRootOrAForbiddenLoginIsNeverOpened() {
        Node node = new Node("gpu-a1", "10.0.0.11", 22, Optional.of(HOST_KEY), Optional.empty(), Map.of("kind", "gpu"));
        User user = new User("alice", List.of(), List.of("engineer"), false);
        Role role = new Role("engineer", List.of(), Map.of("kind", "gpu"), Set.of(), List.of(), List.of("rooty", "bad"));
        App rooty = new App("rooty", Map.of("kind", "gpu"), URI.create("http://127.0.0.1:1"), "root", Optional.empty());
        App bad = new App("bad", Map.of("kind", "gpu"), URI.create("http://127.0.0.1:2"), "toor", Optional.empty());
        PolicyEvaluator handMade = PolicyEvaluator.of(new Policy(Set.of("toor"), List.of(user), List.of(node), List.of(role),
                List.of(), List.of(rooty, bad)));
        assertThat(handMade.decideApp("alice", "rooty", "gpu-a1", AccessState.empty(), T0))
                .isEqualTo(Decision.deny("root login is not permitted"));
        assertThat(handMade.decideApp("alice", "bad", "gpu-a1", AccessState.empty(), T0))
                .isEqualTo(Decision.deny("login 'toor' is forbidden"));
        assertThat(handMade.reachableApps("alice")).isEmpty();
    }

    /** A grant for the app's login extends the app to nodes the role's selector leaves out, for its window only. */
    @Test
    void anActiveGrantForTheAppsLoginOpensTheAppOnItsNode() {
        AccessState state = AccessState.empty().withRequest(notebookGrant("r1", "alice", "gpu-a2"));
        Decision d = decide("alice", "jupyter", "gpu-a2", state, 20);
        assertThat(d).isEqualTo(new Decision(true, "app jupyter under grant r1", "r1", at(40)));
        assertThat(d.viaGrant()).isTrue();
        assertThat(decide("alice", "jupyter", "gpu-a2", state, 9).allowed()).isFalse();
        assertThat(decide("alice", "jupyter", "gpu-a2", state, 40))
                .isEqualTo(Decision.deny("no role of user 'alice' allows app 'jupyter' on node 'gpu-a2'"));
        // The grant is for the notebook login on gpu-a2 only.
        assertThat(decide("alice", "dash", "gpu-a2", state, 20).allowed()).isFalse();
        // A lock still wins over the grant.
        assertThat(decide("alice", "jupyter", "gpu-a2", state.withLock(lock(Lock.Kind.NODE, "gpu-a2")), 20))
                .isEqualTo(Decision.deny("node 'gpu-a2' is locked"));
        // Reachable apps list standing access only.
        assertThat(evaluator.reachableApps("alice")).doesNotContain(new AppAccess("jupyter", "gpu-a2"));
    }

    /**
     * Threat: an app runs on the node as its login, so listing the app must not hand out that
     * login's rights. A role that lists the app but not its login opens it only under a grant.
     */
    @Test
    void anAppRunsAsItsLoginSoItsListingAloneDoesNotOpenIt() {
        assertThat(decide("olga", "jupyter", "gpu-a1", AccessState.empty(), 20)).isEqualTo(Decision.deny(
                "app 'jupyter' runs as login 'notebook': no active grant for login 'notebook' on node 'gpu-a1'"
                        + " (request one with: request notebook@gpu-a1 --for 30m --reason ...)"));
        assertThat(evaluator.reachableApps("olga")).isEmpty();
        AccessState state = AccessState.empty().withRequest(notebookGrant("r3", "olga", "gpu-a1"));
        assertThat(decide("olga", "jupyter", "gpu-a1", state, 20)).isEqualTo(new Decision(true, "app jupyter under grant r3", "r3", at(40)));
    }

    /** A grant is for a login, not an app: without a role listing the app it opens nothing on the web. */
    @Test
    void aGrantWithoutARoleListingTheAppDoesNotOpenIt() {
        AccessState state = AccessState.empty().withRequest(notebookGrant("r2", "nina", "gpu-a1"));
        assertThat(evaluator.decide("nina", "notebook", "gpu-a1", state, at(20)).allowed()).isTrue();
        assertThat(decide("nina", "jupyter", "gpu-a1", state, 20))
                .isEqualTo(Decision.deny("no role of user 'nina' allows app 'jupyter' on node 'gpu-a1'"));
    }

    @Test
    void reachableAppsListsStandingAccessInTheUsersTenantSortedByAppThenNode() {
        assertThat(evaluator.reachableApps("alice")).containsExactly(
                new AppAccess("dash", "gpu-a0"), new AppAccess("dash", "gpu-a1"),
                new AppAccess("jupyter", "gpu-a0"), new AppAccess("jupyter", "gpu-a1"));
        assertThat(evaluator.reachableApps("frank")).containsExactly(
                new AppAccess("dash", "gpu-b1"), new AppAccess("jupyter", "gpu-b1"));
        assertThat(evaluator.reachableApps("nina")).isEmpty();
        assertThat(evaluator.reachableApps("mallory")).isEmpty();
        assertThat(evaluator.reachableApps(null)).isEmpty();
    }

    /** Every entry reachableApps lists must be allowed by decideApp: the portal never shows a dead link. */
    @Test
    void everyReachableAppIsAllowed() {
        for (String user : List.of("alice", "bob", "nina", "zed", "frank")) {
            for (AppAccess access : evaluator.reachableApps(user)) {
                assertThat(decide(user, access.app(), access.node()).allowed()).as(user + " " + access).isTrue();
            }
        }
    }
}
