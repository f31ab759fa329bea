package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Searching sessions and events (filters, keyset paging, tenant scope, the commands index), run
 * against every database: SQLite and PostgreSQL implement it.
 */
interface SessionSearchContract extends StoreFixture {

    private static AuditEvent start(String id, int second, String user, String node, String kind, String command) {
        return AuditEvent.of("session.start", T0.plusSeconds(second), "success").withUser(user).withTarget(node, "ops")
                .withSource("10.0.0.9:4000").withSessionId(id).with("kind", kind).with("command", command);
    }

    private static AuditEvent end(String id, int second, String outcome) {
        return AuditEvent.of("session.end", T0.plusSeconds(second), outcome).withSessionId(id)
                .with("output_bytes", 120).with("error_bytes", 3).with("input_bytes", 7);
    }

    /** s1..s5, oldest first: s3 runs still; s5 is on a node of no tenant's (null). */
    private static void fiveSessions(AuditStore store) {
        store.append(start("s1", 1, "alice", "node-a", "shell", null));
        store.append(end("s1", 2, "success"));
        store.append(start("s2", 3, "bob", "node-b", "exec", "nvidia-smi -q"));
        store.append(end("s2", 4, "failure"));
        store.append(start("s3", 5, "alice", "node-b", "exec", "uptime"));
        store.append(start("s4", 6, "alice", "node-a", "sftp", "sftp"));
        store.append(end("s4", 7, "success"));
        store.append(start("s5", 8, "carol", null, "shell", null));
        store.append(end("s5", 9, "interrupted"));
        store.flush();
    }

    private static List<String> ids(SessionPage page) {
        return page.items().stream().map(f -> f.session().id()).toList();
    }

    private static SessionQuery query(String user, String node, String kind, String outcome, String text,
            TenantScope scope) {
        return new SessionQuery(user, node, null, kind, null, null, outcome, text, scope, null, 50);
    }

    @Test
    default void sessionSearchPagesNewestFirstWithAStableCursor() {
        try (AuditStore store = open(CHAIN)) {
            fiveSessions(store);
            SessionPage first = store.searchSessions(SessionQuery.newest(2));
            assertThat(ids(first)).containsExactly("s5", "s4");
            assertThat(first.next()).isNotNull();
            // A session appended between pages does not shift the next page (keyset, not offset).
            store.append(start("s6", 10, "alice", "node-a", "shell", null));
            store.flush();
            SessionPage second = store.searchSessions(new SessionQuery(null, null, null, null, null, null, null, null,
                    null, first.next(), 2));
            assertThat(ids(second)).containsExactly("s3", "s2");
            SessionPage last = store.searchSessions(new SessionQuery(null, null, null, null, null, null, null, null,
                    null, second.next(), 2));
            assertThat(ids(last)).containsExactly("s1");
            assertThat(last.next()).isNull();
        }
    }

    /** App sessions (app.session.start/end) are sessions of kind app: searched, listed, and recovered when a crash left them open. */
    @Test
    default void appSessionsAreSessionsOfKindApp() {
        try (AuditStore store = open(CHAIN)) {
            store.append(start("s1", 1, "alice", "node-a", "shell", null));
            store.append(end("s1", 2, "terminated"));
            store.append(AuditEvent.of("app.session.start", T0.plusSeconds(3), "success").withUser("alice")
                    .withTarget("node-a", "ops").withSessionId("a1").with("app", "jupyter"));
            store.append(AuditEvent.of("app.session.end", T0.plusSeconds(4), "success").withSessionId("a1")
                    .with("reason", "idle").with("requests", 3));
            store.append(AuditEvent.of("app.session.start", T0.plusSeconds(5), "success").withUser("alice")
                    .withTarget("node-a", "ops").withSessionId("a2").with("app", "jupyter"));
            store.flush();
            assertThat(ids(store.searchSessions(query(null, null, "app", null, null, null)))).containsExactly("a2", "a1");
            assertThat(ids(store.searchSessions(query(null, null, "shell", null, null, null)))).containsExactly("s1");
            assertThat(ids(store.searchSessions(query(null, null, null, "terminated", null, null)))).containsExactly("s1");
            assertThat(ids(store.searchSessions(query(null, null, "app", "success", null, null)))).containsExactly("a1");
            assertThat(ids(store.searchSessions(query(null, null, null, "running", null, null)))).containsExactly("a2");
            FoundSession a1 = store.searchSessions(query(null, null, "app", "success", null, null)).items().get(0);
            assertThat(a1.session().kind()).isEqualTo("app");
            assertThat(a1.session().end()).isEqualTo(T0.plusSeconds(4));
            assertThat(a1.endCount("requests")).isEqualTo(3);
            assertThat(store.unfinishedSessions()).extracting(SessionSummary::id).containsExactly("a2");
        }
    }

    @Test
    default void sessionSearchFiltersByEachField() {
        try (AuditStore store = open(CHAIN)) {
            fiveSessions(store);
            assertThat(ids(store.searchSessions(query("alice", null, null, null, null, null)))).containsExactly("s4", "s3", "s1");
            assertThat(ids(store.searchSessions(query(null, "node-b", null, null, null, null)))).containsExactly("s3", "s2");
            assertThat(ids(store.searchSessions(query(null, null, "exec", null, null, null)))).containsExactly("s3", "s2");
            assertThat(ids(store.searchSessions(query(null, null, "shell", null, null, null)))).containsExactly("s5", "s1");
            assertThat(ids(store.searchSessions(query(null, null, null, "running", null, null)))).containsExactly("s3");
            assertThat(ids(store.searchSessions(query(null, null, null, "failure", null, null)))).containsExactly("s2");
            assertThat(ids(store.searchSessions(new SessionQuery(null, null, "ops", null, T0.plusSeconds(3),
                    T0.plusSeconds(6), null, null, null, null, 50)))).containsExactly("s3", "s2");
            FoundSession s2 = store.searchSessions(query("bob", null, null, null, null, null)).items().get(0);
            assertThat(s2.chainId()).isEqualTo(CHAIN);
            assertThat(s2.session().command()).isEqualTo("nvidia-smi -q");
            assertThat(s2.endCount("output_bytes")).isEqualTo(120);
            assertThat(s2.start()).containsEntry("kind", "exec");
            assertThat(store.foundSession("s3")).get().satisfies(f -> assertThat(f.end()).isEmpty());
            assertThat(store.foundSession("nope")).isEmpty();
        }
    }

    @Test
    default void sessionSearchKeepsToTheViewersTenant() {
        try (AuditStore store = open(CHAIN)) {
            fiveSessions(store);
            TenantScope red = new TenantScope(TenantScope.Names.of(Set.of("node-a")), TenantScope.Names.of(Set.of("alice")));
            assertThat(ids(store.searchSessions(query(null, null, null, null, null, red)))).containsExactly("s4", "s1");
            // The default tenant: every node no tenant holds, and sessions that name no node.
            TenantScope none = new TenantScope(TenantScope.Names.except(Set.of("node-a")),
                    TenantScope.Names.except(Set.of("alice")));
            assertThat(ids(store.searchSessions(query(null, null, null, null, null, none))))
                    .containsExactly("s5", "s3", "s2");
            TenantScope empty = new TenantScope(TenantScope.Names.of(Set.of()), TenantScope.Names.of(Set.of()));
            assertThat(store.searchSessions(query(null, null, null, null, null, empty)).items()).isEmpty();
        }
    }

    @Test
    default void sessionSearchFindsIndexedCommandsAsLiteralText() {
        try (AuditStore store = open(CHAIN)) {
            fiveSessions(store);
            store.indexCommands("s1", "output", List.of("ls -la /etc", "sudo cat /etc/shadow", "echo 100%_done"));
            store.indexCommands("s2", "exec", List.of("nvidia-smi -q"));
            assertThat(ids(store.searchSessions(query(null, null, null, null, "SHADOW", null)))).containsExactly("s1");
            assertThat(ids(store.searchSessions(query(null, null, null, null, "nvidia", null)))).containsExactly("s2");
            // LIKE's wildcards in the text are plain characters.
            assertThat(ids(store.searchSessions(query(null, null, null, null, "100%_d", null)))).containsExactly("s1");
            assertThat(store.searchSessions(query(null, null, null, null, "1_0", null)).items()).isEmpty();
            assertThat(store.searchSessions(query(null, null, null, null, "%%", null)).items()).isEmpty();
            assertThat(ids(store.searchSessions(query(null, null, null, null, "%", null)))).containsExactly("s1");
            // Indexing twice keeps the first rows.
            store.indexCommands("s1", "output", List.of("other"));
            assertThat(store.commands("s1")).containsExactly("ls -la /etc", "sudo cat /etc/shadow", "echo 100%_done");
        }
    }

    @Test
    default void sessionSearchRefusesAForgedCursor() {
        try (AuditStore store = open(CHAIN)) {
            fiveSessions(store);
            for (String cursor : List.of("not base64 !", "YWJj", "MTox")) {
                assertThatThrownBy(() -> store.searchSessions(new SessionQuery(null, null, null, null, null, null, null,
                        null, null, cursor, 5))).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("not a paging cursor");
            }
            assertThatThrownBy(() -> store.searchSessions(query(null, null, "she'll", null, null, null)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    default void recordingsIndexTheirCommands() {
        RecorderOptions out = RecorderOptions.defaults(clock());
        RecorderOptions in = new RecorderOptions(true, out.streamCapBytes(), out.chunkBytes(), clock());
        try (AuditStore store = open(CHAIN)) {
            Recording shell = SessionRecorder.create(store, out)
                    .start(new RecordingInfo("r1", "shell", null, "xterm", 80, 24, T0, "t"));
            byte[] screen = ("Welcome\r\n\u001b[01;32malice@node\u001b[00m:~$ ls -la\r\ntotal 0\r\n"
                    + "alice@node:~$ sudo systemctl restart nginx\r\nalice@node:~$ ").getBytes(StandardCharsets.UTF_8);
            shell.output(screen, 0, screen.length);
            shell.finish();
            Recording typed = SessionRecorder.create(store, in)
                    .start(new RecordingInfo("r2", "shell", null, "xterm", 80, 24, T0, "t"));
            byte[] keys = "lx\u007fs\r\u001b[Apwd\r".getBytes(StandardCharsets.UTF_8);
            typed.input(keys, 0, keys.length);
            typed.finish();
            Recording exec = SessionRecorder.create(store, out)
                    .start(new RecordingInfo("r3", "exec", "nvidia-smi -q", null, 0, 0, T0, "t"));
            exec.finish();
            store.flush();
            assertThat(store.commands("r1")).containsExactly("ls -la", "sudo systemctl restart nginx");
            assertThat(store.commands("r2")).containsExactly("ls", "pwd");
            assertThat(store.commands("r3")).containsExactly("nvidia-smi -q");
        }
    }

    @Test
    default void eventSearchPagesNewestFirstAndExportResumesAscending() {
        try (AuditStore store = open(CHAIN)) {
            fiveSessions(store);
            EventPage first = store.searchEvents(new EventSearch("session.", null, null, null, null, null, null, null, 4));
            assertThat(first.items()).extracting(StoredEvent::seq).containsExactly(9L, 8L, 7L, 6L);
            EventPage rest = store.searchEvents(new EventSearch("session.", null, null, null, null, null, null,
                    first.next(), 50));
            assertThat(rest.items()).extracting(StoredEvent::seq).containsExactly(5L, 4L, 3L, 2L, 1L);
            assertThat(rest.next()).isNull();
            assertThat(store.searchEvents(new EventSearch("session.end", null, null, "s2", null, null, null, null, 50))
                    .items()).extracting(StoredEvent::seq).containsExactly(4L);
            assertThat(store.searchEvents(new EventSearch(null, "alice", "node-b", null, null, null, null, null, 50))
                    .items()).extracting(StoredEvent::seq).containsExactly(5L);
            assertThat(store.searchEvents(new EventSearch(null, null, null, null, T0.plusSeconds(8), T0.plusSeconds(9),
                    null, null, 50)).items()).extracting(StoredEvent::seq).containsExactly(8L);

            // A collector reads 4 after seq 0, then resumes after the last seq it holds; links check.
            List<StoredEvent> all = new ArrayList<>();
            long after = 0;
            List<StoredEvent> batch;
            while (!(batch = store.eventsAfter(CHAIN, after, TenantScope.ALL, 4)).isEmpty()) {
                all.addAll(batch);
                after = batch.get(batch.size() - 1).seq();
            }
            assertThat(all).extracting(StoredEvent::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            String prev = ChainHash.GENESIS;
            for (StoredEvent e : all) {
                assertThat(e.prevHash()).isEqualTo(prev);
                prev = e.hash();
            }
            assertThat(store.chains()).containsExactly(CHAIN);
        }
    }

    @Test
    default void eventSearchKeepsToTheViewersTenant() {
        try (AuditStore store = open(CHAIN)) {
            fiveSessions(store);
            store.append(AuditEvent.of("auth.success", T0.plusSeconds(20), "success").withUser("alice"));
            store.append(AuditEvent.of("auth.failure", T0.plusSeconds(21), "failure"));
            store.flush();
            TenantScope red = new TenantScope(TenantScope.Names.of(Set.of("node-a")), TenantScope.Names.of(Set.of("alice")));
            // session.end names no node: it belongs to no tenant but the default one here (no user either).
            assertThat(store.searchEvents(new EventSearch(null, null, null, null, null, null, red, null, 50)).items())
                    .extracting(StoredEvent::seq).containsExactly(10L, 6L, 1L);
            assertThat(store.eventsAfter(CHAIN, 0, red, 50)).extracting(StoredEvent::seq).containsExactly(1L, 6L, 10L);
            TenantScope none = new TenantScope(TenantScope.Names.except(Set.of("node-a")),
                    TenantScope.Names.except(Set.of("alice")));
            assertThat(store.searchEvents(new EventSearch(null, null, null, null, null, null, none, null, 50)).items())
                    .extracting(StoredEvent::seq).containsExactly(11L, 9L, 8L, 7L, 5L, 4L, 3L, 2L);
        }
    }
}
