package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.Elevations.ELEVATED;
import static dev.gatehouse.e2e.Elevations.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two gateway processes, gw-a and gw-b, on one fresh PostgreSQL database behave as one to their
 * users and admins (issue 13): a lock, a grant, a revoke or a terminate made on A reaches B's
 * real ssh sessions within 2 s; an admin on A observes a shell on B live through A's console API
 * (B tells the user and records it); a B killed with -9 is listed by A as dead with its sessions; a
 * notification lost with B's change-feed connection is caught up. B is a peer of A as the README
 * describes (a copy of A's {@code data/keys/}, its own data folder and chain). Policy: the
 * elevation policy (bob approver and admin, erin approver, alice engineer).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiInstanceIT {
    /** The contract's bound for a change on one instance to act on another. */
    private static final Duration WITHIN = Duration.ofSeconds(2);
    private static final Duration DEAD_AFTER = Duration.ofSeconds(5);
    private static final String REASON = "e2e: runaway job on the gpu";

    private PostgresDatabase db;
    private NodeSshd node;
    private Gateway a;
    private Gateway b;
    private Gateway.User alice;
    private Gateway.User bob;

    @BeforeAll
    void start() {
        db = PostgresDatabase.create("gh_multi");
        node = NodeSshd.start();
        a = Gateway.start(node, Elevations.options(false).web().store(db.url()).config(instance("gw-a")));
        b = Gateway.startPeer(a, new Gateway.Options().web().store(db.url()).config(instance("gw-b")));
        alice = a.alice();
        bob = a.user("bob");
    }

    private static String instance(String name) {
        return String.join("\n", "instance:", "  name: " + name, "  heartbeat: 1s", "  dead_after: " + DEAD_AFTER.toSeconds() + "s");
    }

    @AfterEach
    void liftLocks() {
        if (a.isAlive()) {
            a.shell(bob, "unlock user alice"); // refused when not locked; that is fine here
        }
    }

    @AfterAll
    void stop() {
        Closing.all(b, a, node, db);
    }

    /** Threat: the kill switch thrown on one instance leaves the user working, and getting in again, through another. */
    @Test
    @Order(1)
    void lockOnACutsALiveSessionOnBWithinTwoSecondsAndBRefusesNewOnes() {
        try (LiveSsh onB = LiveSsh.open(b, b.alice(), Gateway.TARGET)) {
            a.shell(bob, "lock user alice --reason 'e2e incident'").requireSuccess();
            await("alice's session on gw-b ends after the lock on gw-a").atMost(WITHIN).pollInterval(Duration.ofMillis(20))
                    .until(() -> !onB.isAlive());
            assertThat(onB.awaitExit(Duration.ofSeconds(1))).as(onB.describe()).isEqualTo(255);
            assertThat(onB.stderr()).contains("gatehouse: user 'alice' was locked by bob");
        }
        assertRefused(b.ssh(b.alice(), Gateway.TARGET, "id -un"), "user 'alice' is locked");

        a.shell(bob, "unlock user alice").requireSuccess();
        succeedsWithin("gw-b admits alice again after the unlock on gw-a", System.nanoTime(),
                () -> b.ssh(b.alice(), Gateway.TARGET, "id -un"));
    }

    /** Threat (availability): an approved elevation works only on the instance that approved it, until a restart. */
    @Test
    @Order(2)
    void aRequestMadeOnBAndApprovedOnAIsUsableOnBAtOnce() {
        String id = Elevations.request(b, b.alice(), ELEVATED, "30m");
        try {
            // A's approve first catches up with the log, so it judges the request made on B
            Elevations.approve(a, bob, id).requireSuccess();
            Proc.Result used = succeedsWithin("the grant approved on gw-a works on gw-b", System.nanoTime(),
                    () -> b.ssh(b.alice(), ELEVATED, "id -un"));
            assertThat(used.stdout()).isEqualTo(Accounts.MLOPS + "\n");
            assertThat(Json.text(Elevations.requestAs(b, b.alice(), id), "state")).isEqualTo("active");
        } finally {
            a.shell(bob, "revoke " + id);
        }
    }

    /** Threat: a revoked grant keeps working in an elevated session open on another instance. */
    @Test
    @Order(3)
    void revokeOnACutsTheElevatedSessionOnB() {
        String id = Elevations.request(a, alice, ELEVATED, "30m");
        Elevations.approve(a, bob, id).requireSuccess();
        succeedsWithin("the grant reaches gw-b", System.nanoTime(), () -> b.ssh(b.alice(), ELEVATED, "id -un"));
        try (LiveSsh elevated = LiveSsh.open(b, b.alice(), ELEVATED)) {
            a.shell(bob, "revoke " + id).requireSuccess();
            await("alice's elevated session on gw-b ends after the revoke on gw-a").atMost(WITHIN)
                    .pollInterval(Duration.ofMillis(20)).until(() -> !elevated.isAlive());
            assertThat(elevated.awaitExit(Duration.ofSeconds(1))).as(elevated.describe()).isEqualTo(255);
            assertThat(elevated.stderr()).contains("gatehouse: grant " + id + " was revoked by bob");
        }
        assertRefused(b.ssh(b.alice(), ELEVATED, "id -un"), "");
    }

    /**
     * Threat: an admin on one instance cannot stop a session that runs on another (or the user is
     * cut without being told who and why, or the record does not say which instance asked).
     */
    @Test
    @Order(4)
    void terminateFromAOfASessionOnBShowsTheUserWhoAndWhy() {
        try (LiveSsh onB = LiveSsh.open(b, b.alice(), Gateway.TARGET)) {
            JsonNode listed = listedWithin("alice's session on gw-b in gw-a's `live --json`", System.nanoTime(),
                    () -> liveOnA("alice", "gw-b"));
            assertThat(Json.text(listed, "state")).as(listed.toString()).isEqualTo("live");
            assertThat(Json.text(listed, "node")).isEqualTo(Gateway.NODE);
            String id = Json.text(listed, "id");

            // A waits for B to carry it out, then answers as for a local session
            a.shell(bob, "terminate " + id + " --reason '" + REASON + "'").requireSuccess();
            assertThat(onB.awaitExit(WITHIN)).as(onB.describe()).isEqualTo(255);
            assertThat(onB.stderr()).contains("gatehouse: session terminated by bob: " + REASON);

            JsonNode event = b.awaitEvent("session.terminated of " + id, e -> Json.type("session.terminated").test(e)
                    && REASON.equals(Json.detail(e, "reason")));
            assertThat(Json.text(event, "user")).isEqualTo("bob");
            assertThat(Json.detail(event, "session_user")).isEqualTo("alice");
            assertThat(Json.detail(event, "via_instance")).isEqualTo("gw-a");
            await("the ended session leaves the registry").atMost(Duration.ofSeconds(5))
                    .until(() -> liveOnA("alice", "gw-b").isEmpty());
        }
    }

    /**
     * Threat: a notification lost with the listening connection (a PostgreSQL restart, a proxy's
     * idle cut) silently stops the kill switch from reaching an instance.
     */
    @Test
    @Order(5)
    void aLockStillReachesBAfterItsChangeFeedConnectionWasCut() throws SQLException {
        await("gw-b listens on its own change-feed connection").atMost(Duration.ofSeconds(10))
                .until(() -> listenerBackends(b), pids -> pids.size() == 1);
        int pid = listenerBackends(b).get(0);
        try (LiveSsh onB = LiveSsh.open(b, b.alice(), Gateway.TARGET)) {
            try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
                ps.setInt(1, pid);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next() && rs.getBoolean(1)).as("terminated gw-b's feed backend " + pid).isTrue();
                }
            }
            // the lock's notification goes out while B has no listening connection
            a.shell(bob, "lock user alice --reason 'e2e: feed cut'").requireSuccess();
            await("alice's session on gw-b ends though gw-b missed the notification").atMost(WITHIN)
                    .pollInterval(Duration.ofMillis(20)).until(() -> !onB.isAlive());
            assertThat(onB.stderr()).contains("gatehouse: user 'alice' was locked by bob");
        }
        assertRefused(b.ssh(b.alice(), Gateway.TARGET, "id -un"), "user 'alice' is locked");
        await("gw-b listens again on a new connection").atMost(Duration.ofSeconds(20))
                .until(() -> listenerBackends(b), pids -> pids.size() == 1 && pids.get(0) != pid);
    }

    /**
     * Threat: an admin in one instance's console does not see (so cannot act on) a session another
     * instance holds. The copied TLS CA makes both instances' HTTPS trusted by one CA certificate.
     * The token is B's own: a token names its console origin (host and port) as {@code iss}, and
     * the two instances here listen on different ports, unlike a fleet behind one balancer.
     */
    @Test
    @Order(6)
    void bsConsoleApiListsASessionOnAWithItsInstance() {
        assertThat(b.cli("ca", "show", "tls").requireSuccess().stdout()).isEqualTo(a.cli("ca", "show", "tls").requireSuccess().stdout());
        String[] lines = b.shell(b.user("bob"), "api-token --for 1h").requireSuccess().stdout().strip().split("\n");
        String auth = "Authorization: Bearer " + lines[lines.length - 1].strip();
        Web web = Web.of(b);
        try (LiveSsh onA = LiveSsh.open(a, alice, Gateway.TARGET)) {
            Web.Response list = firstWithin("alice's session on gw-a in gw-b's GET /api/v1/live", System.nanoTime(),
                    () -> web.request(web.consoleUrl("/api/v1/live"), "-H", auth),
                    r -> r.status() == 200 && apiItem(r, "alice", "gw-a").isPresent(),
                    r -> r.status() + " " + r.body());
            JsonNode item = apiItem(list, "alice", "gw-a").orElseThrow();
            assertThat(Json.text(item, "state")).as(item.toString()).isEqualTo("live");
            assertThat(Json.text(item, "node")).isEqualTo(Gateway.NODE);
            assertThat(onA.isAlive()).isTrue();
        }
    }

    /**
     * Threat: a session on one instance escapes watching from another instance's console, or is
     * watched there without the user being told who watches, or without a record on the instance
     * running it naming the instance the viewer came through; or a watcher who left goes on
     * reading (B's relay outlives A's client). Also: A relays for someone its own policy does not
     * let observe. Real processes throughout: alice's {@code ssh -tt} through gw-b to the real
     * node sshd, curl on gw-a's console API trusting the shared gateway TLS CA, and gw-a calling
     * gw-b over HTTPS.
     */
    @Test
    @Order(7)
    void anAdminOnAObservesAnInteractiveShellOnBAndAliceIsToldWhoWatches() {
        Web web = Web.of(a);
        String bobAuth = bearer(a, bob);
        try (PtySession onB = PtySession.open(b, b.alice(), Gateway.TARGET).awaitAnyOutput()) {
            JsonNode listed = await("alice's shell on gw-b in gw-a's `live --json`").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100)).until(() -> liveOnA("alice", "gw-b")
                            .filter(s -> "shell".equals(Json.text(s, "kind")) && "live".equals(Json.text(s, "state"))),
                            Optional::isPresent).orElseThrow();
            String id = Json.text(listed, "id");
            String observe = web.consoleUrl("/api/v1/live/" + id + "/observe");

            // A judges its own viewer before calling B: erin (no audit, no admin) is forbidden, frank
            // (another tenant's admin) finds no such session; alice is told of neither
            Web.Response erin = web.request(observe, "-H", bearer(a, a.user("erin")));
            assertThat(erin.status()).as(erin.describe()).isEqualTo(403);
            Web.Response frank = web.request(observe, "-H", bearer(a, a.user("frank")));
            assertThat(frank.status()).as(frank.describe()).isEqualTo(404);
            // the gateway shell's observe watches its own instance's sessions only, and says where to go
            assertRefused(a.shell(bob, "observe " + id), "session " + id + " is on instance gw-b; observe it from gw-b");

            String marker = "obs-" + Keys.token();
            try (Web.Stream watch = web.stream(observe, "-H", bobAuth)) {
                List<Web.Line> head = watch.awaitLines(2, Duration.ofSeconds(20));
                assertThat(head.get(0).text()).as(watch.describe()).isEqualTo("event: header");
                assertThat(head.get(1).text()).as(watch.describe()).startsWith("data: {\"version\":2,")
                        .contains("alice -> " + Gateway.TARGET);
                await("alice's terminal says who watches").atMost(Duration.ofSeconds(10))
                        .until(onB::describe, t -> t.contains("gatehouse: bob is observing this session (read-only)"));
                assertThat(onB.describe()).doesNotContain("erin").doesNotContain("frank");

                // the typed line echoes "$((6*7))": only the shell's output holds MARKER-42
                onB.type("echo " + marker + "-$((6*7))\r");
                await("alice's output reaches the stream on gw-a").atMost(Duration.ofSeconds(5))
                        .pollInterval(Duration.ofMillis(20)).until(() -> watch.lines().stream()
                                .anyMatch(l -> l.text().startsWith("data: [") && l.text().contains(",\"o\",\"")
                                        && l.text().contains(marker + "-42")));
                await("gw-b lists bob's observation among its live sessions").atMost(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(200)).until(() -> observationOnA("bob", "gw-b").isPresent());
                assertThat(watch.isAlive()).as(watch.describe()).isTrue();
            }
            // the viewer left: A closes its call to B, and B stops the watch and tells alice
            await("alice's terminal says bob stopped").atMost(Duration.ofSeconds(10))
                    .until(onB::describe, t -> t.contains("gatehouse: bob stopped observing"));
            await("bob's observation leaves gw-b's live sessions").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(200)).until(() -> observationOnA("bob", "gw-b").isEmpty());
            assertThat(onB.process().isAlive()).as("the session goes on\n" + onB.describe()).isTrue();

            // the other way round: the session ending on gw-b ends the stream gw-a relays, with B's end event
            try (Web.Stream again = web.stream(observe, "-H", bobAuth)) {
                again.awaitLines(2, Duration.ofSeconds(20));
                onB.type("exit\r");
                assertThat(onB.awaitExit()).as(onB.describe()).isZero();
                assertThat(again.awaitExit(Duration.ofSeconds(10))).as(again.describe()).isZero();
                assertThat(again.lines()).extracting(Web.Line::text).as(again.describe())
                        .endsWith("event: end", "data: {\"reason\":\"the session ended\"}");
            }

            String chainB = Json.text(b.awaitEvent("session.start of " + id, e -> Json.type("session.start").test(e)
                    && id.equals(Json.text(e, "session_id"))), "chain");
            Predicate<JsonNode> observed = e -> Json.type("session.observe").test(e) && id.equals(Json.text(e, "session_id"));
            JsonNode start = b.awaitEvent("gw-b's session.observe start", observed.and(e -> "gw-a".equals(Json.detail(e, "via_instance"))
                    && "start".equals(Json.detail(e, "step"))));
            assertThat(Json.text(start, "chain")).as("recorded by gw-b, which runs the session").isEqualTo(chainB);
            assertThat(Json.text(start, "user")).isEqualTo("bob");
            assertThat(Json.detail(start, "via")).isEqualTo("instance");
            assertThat(Json.detail(start, "session_user")).isEqualTo("alice");
            JsonNode left = b.awaitEvent("gw-b's session.observe end as the viewer left", observed.and(e -> "gw-a".equals(
                    Json.detail(e, "via_instance")) && "end".equals(Json.detail(e, "step"))
                    && "the observer left".equals(Json.detail(e, "reason"))));
            assertThat(Json.text(left, "chain")).isEqualTo(chainB);
            assertThat(Json.text(left, "user")).isEqualTo("bob");
            JsonNode ended = b.awaitEvent("gw-b's session.observe end as the session ended", observed.and(e -> "gw-a".equals(
                    Json.detail(e, "via_instance")) && "end".equals(Json.detail(e, "step"))
                    && "the session ended".equals(Json.detail(e, "reason"))));
            assertThat(Json.text(ended, "chain")).isEqualTo(chainB);

            // gw-a records it too, on its own chain, naming the instance it went through
            JsonNode viaA = a.awaitEvent("gw-a's session.observe end as the viewer left", observed.and(e -> "gw-b".equals(
                    Json.detail(e, "instance")) && "end".equals(Json.detail(e, "step"))
                    && "the observer left".equals(Json.detail(e, "reason"))));
            assertThat(Json.text(viaA, "chain")).isNotEqualTo(chainB);
            assertThat(Json.text(viaA, "user")).isEqualTo("bob");
            assertThat(Json.detail(viaA, "via")).isEqualTo("token");
            a.awaitEvent("gw-a's session.observe end as the session ended", observed.and(e -> "gw-b".equals(Json.detail(e, "instance"))
                    && "the stream ended on instance gw-b".equals(Json.detail(e, "reason"))));
            // the refusals (erin's and frank's, bob's observe in A's gateway shell) were A's: recorded there, never reaching B
            List<JsonNode> refused = a.auditLog().stream().filter(Json.type("observe.refused"))
                    .filter(e -> id.equals(Json.detail(e, "session"))).toList();
            assertThat(refused).extracting(e -> Json.text(e, "user")).containsExactlyInAnyOrder("erin", "frank", "bob");
            assertThat(refused).extracting(e -> Json.text(e, "chain")).doesNotContain(chainB);
        }
    }

    /** {@code Authorization: Bearer TOKEN} with a 10-minute api-token {@code user} gets from {@code gw}. */
    private static String bearer(Gateway gw, Gateway.User user) {
        String[] lines = gw.shell(user, "api-token --for 10m").requireSuccess().stdout().strip().split("\n");
        return "Authorization: Bearer " + lines[lines.length - 1].strip();
    }

    /** {@code viewer}'s observation (kind observe, on the gateway) held by {@code instance}, in A's {@code live --json}. */
    private Optional<JsonNode> observationOnA(String viewer, String instance) {
        return Json.array(a.shell(bob, "live --json").requireSuccess()).stream()
                .filter(s -> viewer.equals(Json.text(s, "user")) && instance.equals(Json.text(s, "instance"))
                        && "observe".equals(Json.text(s, "kind")))
                .findFirst();
    }

    private static Optional<JsonNode> apiItem(Web.Response r, String user, String instance) {
        for (JsonNode s : Json.parse(r.body()).get("items")) {
            if (user.equals(Json.text(s, "user")) && instance.equals(Json.text(s, "instance"))) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /**
     * Threat: an instance that died (OOM killer, kill -9) leaves its sessions listed as live, so
     * admins believe them running and watched; or its restart is refused forever.
     */
    @Test
    @Order(90)
    void bKilledWithMinusNineIsListedByAAsDeadWithItsSessions() {
        String id;
        try (LiveSsh onB = LiveSsh.open(b, b.alice(), Gateway.TARGET)) {
            JsonNode listed = listedWithin("alice's session on gw-b in gw-a's `live --json`", System.nanoTime(),
                    () -> liveOnA("alice", "gw-b"));
            id = Json.text(listed, "id");
            b.kill9();
            onB.awaitExit(Duration.ofSeconds(30)); // the client sees the connection drop
        }
        // heartbeat 1 s, dead_after 5 s: listed dead about 5 s after the last heartbeat
        JsonNode dead = await("gw-b's session listed by gw-a as dead").atMost(DEAD_AFTER.plusSeconds(5))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> liveOnA("alice", "gw-b").filter(s -> "dead".equals(Json.text(s, "state"))), Optional::isPresent)
                .orElseThrow();
        assertThat(Json.text(dead, "id")).isEqualTo(id);
        assertThat(Json.text(dead, "instance")).isEqualTo("gw-b");
        // the text listing says so too
        assertThat(a.shell(bob, "live").requireSuccess().stdout()).contains(id).contains("gw-b").contains("dead");
        assertRefused(a.shell(bob, "terminate " + id + " --reason 'e2e: too late'"), "gw-b");

        // a later start of the same instance clears its stale rows; crash recovery ends the session
        b.restart();
        await("gw-b's stale session leaves the registry after its restart").atMost(Duration.ofSeconds(10))
                .until(() -> liveOnA("alice", "gw-b").isEmpty());
        JsonNode end = a.awaitEvent("session.end of " + id, e -> Json.type("session.end").test(e)
                && id.equals(Json.text(e, "session_id")));
        assertThat(Json.text(end, "outcome")).isEqualTo("interrupted");
    }

    /** Threat: two writers on one database corrupt each other's chains, or a stop loses records. */
    @Test
    @Order(100)
    void auditVerifyPassesOnTheSharedDatabaseAtTheEnd() {
        assertThat(b.stop()).as(b.log()).isZero();
        assertThat(a.stop()).as(a.log()).isZero();
        for (Gateway gw : new Gateway[] {a, b}) {
            Proc.Result verify = gw.cli("audit", "verify");
            assertThat(verify.exit()).as(verify.describe()).isZero();
        }
    }

    /**
     * Runs {@code attempt} until {@code done} accepts its result (20 s at most) and asserts that the
     * first accepted attempt started within {@link #WITHIN} of {@code sinceNanos}: the contract's
     * bound is on the change reaching the other instance, so the time an ssh round trip takes on
     * a loaded machine is not counted against it. The failure lists every attempt.
     */
    private static <T> T firstWithin(String what, long sinceNanos, Supplier<T> attempt, Predicate<T> done,
            Function<T, String> describe) {
        List<String> attempts = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<T> found = new AtomicReference<>();
        AtomicLong startedAt = new AtomicLong();
        try {
            awaitAttempts(what, attempt, done, describe, sinceNanos, attempts, found, startedAt);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "; attempts:\n" + String.join("\n", attempts), e);
        }
        long millis = Duration.ofNanos(startedAt.get() - sinceNanos).toMillis();
        assertThat(millis).as(what + " within " + WITHIN + "; attempts:\n" + String.join("\n", attempts))
                .isLessThanOrEqualTo(WITHIN.toMillis());
        return found.get();
    }

    private static <T> void awaitAttempts(String what, Supplier<T> attempt, Predicate<T> done, Function<T, String> describe,
            long sinceNanos, List<String> attempts, AtomicReference<T> found, AtomicLong startedAt) {
        await(what).atMost(Duration.ofSeconds(20)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(() -> {
            long start = System.nanoTime();
            T result = attempt.get();
            boolean ok = done.test(result);
            attempts.add("started +" + Duration.ofNanos(start - sinceNanos).toMillis() + " ms, " + (ok ? "done" : "not yet")
                    + ": " + describe.apply(result));
            if (ok) {
                found.set(result);
                startedAt.set(start);
            }
            return ok;
        });
    }

    /** {@link #firstWithin} for a command that must succeed (exit 0). */
    private static Proc.Result succeedsWithin(String what, long sinceNanos, Supplier<Proc.Result> command) {
        return firstWithin(what, sinceNanos, command, r -> r.exit() == 0, r -> "exit " + r.exit() + " " + r.stderr().strip());
    }

    /** {@link #firstWithin} for a listing that must show an entry. */
    private static JsonNode listedWithin(String what, long sinceNanos, Supplier<Optional<JsonNode>> listing) {
        return firstWithin(what, sinceNanos, listing, Optional::isPresent, o -> o.map(JsonNode::toString).orElse("absent"))
                .orElseThrow();
    }

    /** The session of {@code user} on instance {@code instance} in A's {@code live --json} as bob sees it. */
    private Optional<JsonNode> liveOnA(String user, String instance) {
        return Json.array(a.shell(bob, "live --json").requireSuccess()).stream()
                .filter(s -> user.equals(Json.text(s, "user")) && instance.equals(Json.text(s, "instance"))
                        && Gateway.NODE.equals(Json.text(s, "node")))
                .findFirst();
    }

    /**
     * The backend pids of {@code gw}'s listening change-feed connections ({@code application_name =
     * gatehouse-change-feed}) to this test's database: those whose client port is one of the
     * gateway process's own TCP sockets, so A's are never touched. The feed's other connection,
     * which sends the NOTIFYs, is named {@code gatehouse-change-notify}.
     */
    private List<Integer> listenerBackends(Gateway gw) throws SQLException {
        Set<Integer> ports = ProcSockets.localTcpPorts(gw.pid());
        List<Integer> pids = new ArrayList<>();
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT pid, client_port FROM pg_stat_activity"
                + " WHERE datname = current_database() AND application_name = 'gatehouse-change-feed'")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (ports.contains(rs.getInt(2))) {
                        pids.add(rs.getInt(1));
                    }
                }
            }
        }
        return pids;
    }
}
