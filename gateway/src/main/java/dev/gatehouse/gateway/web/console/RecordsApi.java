package dev.gatehouse.gateway.web.console;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.gateway.cli.AuditVerification;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.TenantScopes;
import dev.gatehouse.gateway.shell.SessionFilters;
import dev.gatehouse.pki.JwsVerifier;
import dev.gatehouse.policy.Permission;
import dev.gatehouse.recorder.Asciicast;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.EventPage;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.EventSearch;
import dev.gatehouse.recorder.FoundSession;
import dev.gatehouse.recorder.SessionPage;
import dev.gatehouse.recorder.SessionQuery;
import dev.gatehouse.recorder.SessionSummary;
import dev.gatehouse.recorder.StoreUnavailableException;
import dev.gatehouse.recorder.StoredEvent;
import dev.gatehouse.recorder.TenantScope;
import dev.gatehouse.recorder.VerifyReport;
import dev.gatehouse.recorder.Witness;
import dev.gatehouse.recorder.WitnessStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The console's recorded sessions and audit log (issue 12, part D): session search, a session's
 * events, transfers and recording (asciicast v2, served only after its hash chain verifies), the
 * audit log as paged JSON and as JSON Lines for SIEM collectors, {@code audit verify} and the
 * witness status. Every endpoint needs the AUDIT or ADMIN permission, and sees only the viewer's
 * tenant (R19): a session belongs to its node's tenant (as the shell's {@code sessions} and
 * {@code replay} decide), an event to its node's, or without a node its user's; another tenant's
 * session answers 404.
 *
 * <p>Endpoints (all {@code GET} unless said):
 * <ul>
 *   <li>{@code /api/v1/sessions} ?user, node, login, kind, from, to (RFC 3339), outcome
 *       ({@code success|failure|interrupted|running}), q (command text), limit (1-500, default 50),
 *       before (cursor) &rarr; {@code {items, next}}, newest first.</li>
 *   <li>{@code /api/v1/sessions/{id}} &rarr; the session, {@code events[]}, {@code transfers[]},
 *       {@code commands[]}, {@code recording {present, verified, problem}}.</li>
 *   <li>{@code /api/v1/sessions/{id}/recording} ?download=1 &rarr; {@code application/x-asciicast}
 *       (asciicast v2); 409 when the recording's chain does not verify; appends
 *       {@code recording.viewed}.</li>
 *   <li>{@code /api/v1/audit/events} ?type, user, node, session, from, to, limit, before &rarr;
 *       {@code {items, next}}, newest first; with {@code after=SEQ} (or {@code format=jsonl}, or
 *       {@code Accept: application/x-ndjson}):
 *       JSON Lines ({@code application/x-ndjson}), the events of {@code chain} (default this
 *       gateway's) with a higher sequence number, ascending, at most {@code limit} (default 1000,
 *       at most 10000).</li>
 *   <li>{@code POST /api/v1/audit/verify} &rarr; {@code {ok, summary, first_broken, problems}};
 *       appends {@code audit.verified}.</li>
 *   <li>{@code /api/v1/audit/witness} &rarr; the witness files' state and the store's newest
 *       checkpoint per chain.</li>
 * </ul>
 */
public final class RecordsApi implements ConsoleModule {
    /** Session kinds as {@code session.start} names them (SessionBridge.Kind) and the contract lists. */
    static final Set<String> KINDS = SessionFilters.KINDS;
    static final Set<String> OUTCOMES = SessionFilters.OUTCOMES;
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    static final int EXPORT_DEFAULT_LIMIT = 1000;
    static final int EXPORT_MAX_LIMIT = 10_000;
    /** Events shown on a session's page; a longer session says so with {@code events_truncated}. */
    static final int SESSION_EVENTS = 1000;
    private static final int MAX_TEXT = 200;
    private static final int MAX_PROBLEMS = 20;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final AuditTrail audit;
    private final PolicyHolder policy;
    private final List<Witness> witnesses;
    private final JwsVerifier auditKey;
    private final Predicate<String> live;

    /**
     * @param audit the audit trail (its store is searched; views and verifications are appended to it)
     * @param policy the current policy (tenants)
     * @param witnesses the witness files this gateway writes ({@link AuditVerification#liveWitnesses})
     * @param auditKey the audit key's public half, for verify
     * @param live whether a session id is live on this instance
     */
    public RecordsApi(AuditTrail audit, PolicyHolder policy, List<Witness> witnesses, JwsVerifier auditKey,
            Predicate<String> live) {
        this.audit = Objects.requireNonNull(audit);
        this.policy = Objects.requireNonNull(policy);
        this.witnesses = List.copyOf(witnesses);
        this.auditKey = auditKey;
        this.live = live == null ? id -> false : live;
    }

    /**
     * The module as the gateway wires it: its audit trail and policy, the witness files it writes,
     * the audit key's public half, and its live sessions.
     */
    public static RecordsApi of(dev.gatehouse.gateway.GatewayServices services, JwsVerifier auditKey) {
        return new RecordsApi(services.audit(), services.policy(), AuditVerification.liveWitnesses(services.config()),
                auditKey, id -> services.sessions().all().stream().anyMatch(s -> s.id().equals(id)));
    }

    @Override
    public void register(ApiRoutes routes) {
        routes.get("/api/v1/sessions", this::sessions)
                .get("/api/v1/sessions/{id}", this::session)
                .get("/api/v1/sessions/{id}/recording", this::recording)
                .get("/api/v1/audit/events", this::events)
                .post("/api/v1/audit/verify", this::verify)
                .get("/api/v1/audit/witness", this::witness);
    }

    // ---- sessions ----

    ApiResponse sessions(ApiRequest req) {
        auditor(req);
        known(req, "user", "node", "login", "kind", "from", "to", "outcome", "q", "limit", "before");
        String kind = req.queryParam("kind");
        if (kind != null && !KINDS.contains(kind)) {
            throw ApiError.badRequest("kind must be one of " + sorted(KINDS));
        }
        String outcome = req.queryParam("outcome");
        if (outcome != null && !OUTCOMES.contains(outcome)) {
            throw ApiError.badRequest("outcome must be one of " + sorted(OUTCOMES));
        }
        String q = req.queryParam("q");
        if (q != null && q.length() > MAX_TEXT) {
            throw ApiError.badRequest("q is longer than " + MAX_TEXT + " characters");
        }
        SessionQuery query = new SessionQuery(text(req, "user"), text(req, "node"), text(req, "login"), kind,
                time(req, "from"), time(req, "to"), outcome, q == null || q.isBlank() ? null : q, scope(req.viewer()),
                req.queryParam("before"), req.limit(DEFAULT_LIMIT, MAX_LIMIT));
        SessionPage page = read(() -> store().searchSessions(query));
        ArrayNode items = JSON.createArrayNode();
        page.items().forEach(s -> items.add(sessionJson(s)));
        ObjectNode out = JSON.createObjectNode();
        out.set("items", items);
        out.put("next", page.next());
        return ApiResponse.ok(out);
    }

    ApiResponse session(ApiRequest req) {
        auditor(req);
        FoundSession s = visibleSession(req);
        String id = s.session().id();
        ObjectNode out = sessionJson(s);
        List<StoredEvent> events = read(() -> store().events(new EventQuery(null, null, id, null, SESSION_EVENTS + 1)));
        out.put("events_truncated", events.size() > SESSION_EVENTS);
        ArrayNode eventArray = out.putArray("events");
        ArrayNode transfers = out.putArray("transfers");
        for (StoredEvent e : events.subList(0, Math.min(events.size(), SESSION_EVENTS))) {
            eventArray.add(eventJson(e));
            if (EventType.FILE_TRANSFER.wire().equals(e.event().type())) {
                Map<String, String> d = e.event().details();
                ObjectNode t = transfers.addObject();
                t.put("time", e.event().time().toString());
                t.put("op", d.get("op"));
                t.put("path", d.get("path"));
                t.put("target", d.get("target"));
                t.put("bytes", count(d.get("bytes")));
                t.put("sha256", d.get("sha256"));
                t.put("status", d.get("status"));
            }
        }
        out.putPOJO("commands", read(() -> store().commands(id)));
        ObjectNode recording = out.putObject("recording");
        boolean present = read(() -> store().recordingHead(id)).isPresent();
        recording.put("present", present);
        if (present) {
            VerifyReport report = read(() -> store().verifyRecording(id));
            recording.put("verified", report.intact());
            recording.put("problem", report.intact() ? null : report.firstProblem());
        } else {
            recording.put("verified", false);
            recording.putNull("problem");
        }
        return ApiResponse.ok(out);
    }

    ApiResponse recording(ApiRequest req) {
        auditor(req);
        known(req, "download");
        boolean download = flag(req, "download");
        FoundSession s = visibleSession(req);
        String id = s.session().id();
        if (read(() -> store().recordingHead(id)).isEmpty()) {
            throw ApiError.notFound("session " + id + " has no recording");
        }
        // Threat: a recording changed in the database is replayed as evidence. Its hash chain
        // (and its link to session.end) is checked first; a broken one is not served.
        VerifyReport report = read(() -> store().verifyRecording(id));
        if (!report.intact()) {
            throw ApiError.conflict("the recording of session " + id + " failed verification: " + report.firstProblem());
        }
        StringBuilder cast = new StringBuilder();
        try {
            Asciicast.export(read(() -> store().recording(id)), cast);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the asciicast of session " + id, e);
        }
        // Viewing is an audit event; when it cannot be recorded, the recording is not shown.
        AuditEvent viewed = audit.event(EventType.RECORDING_VIEWED, "success").withUser(req.viewer().user())
                .withSource(req.viewer().source()).withTarget(s.session().node(), s.session().login())
                .withSessionId(id).with("via", req.viewer().via()).with("download", download);
        if (!audit.append(viewed)) {
            throw ApiError.unavailable(AuditTrail.refusedWhileDown("recording views"));
        }
        return new ApiResponse.Body(200, "application/x-asciicast", cast.toString().getBytes(StandardCharsets.UTF_8),
                download ? "session-" + id.replaceAll("[^A-Za-z0-9._-]", "_") + ".cast" : null);
    }

    private FoundSession visibleSession(ApiRequest req) {
        String id = req.param("id");
        TenantScope scope = scope(req.viewer());
        return read(() -> store().foundSession(id)).filter(s -> scope.coversSession(s.session().node()))
                .orElseThrow(() -> ApiError.notFound("no session " + id));
    }

    private ObjectNode sessionJson(FoundSession f) {
        SessionSummary s = f.session();
        ObjectNode o = JSON.createObjectNode();
        o.put("id", s.id());
        o.put("user", s.user());
        o.put("login", s.login());
        o.put("node", s.node());
        o.put("kind", s.kind());
        o.put("source", s.source());
        o.put("started", s.start().toString());
        o.put("ended", s.end() == null ? null : s.end().toString());
        o.put("outcome", s.end() == null ? "running" : s.outcome());
        if (s.exitStatus() == null) {
            o.putNull("exit_status");
        } else {
            o.put("exit_status", s.exitStatus());
        }
        boolean app = "app".equals(s.kind());
        // app sessions count body bytes (app.session.end bytes_in, bytes_out), SSH sessions stream bytes
        o.put("bytes_in", app ? f.endCount("bytes_in") : f.endCount("input_bytes"));
        o.put("bytes_out", app ? f.endCount("bytes_out") : f.endCount("output_bytes") + f.endCount("error_bytes"));
        o.put("command", s.command());
        o.put("app", app ? f.start().get("app") : null);
        if (app) {
            o.put("requests", f.endCount("requests"));
        }
        o.put("instance", f.chainId());
        o.put("live", s.end() == null && live.test(s.id()));
        return o;
    }

    // ---- audit log ----

    ApiResponse events(ApiRequest req) {
        auditor(req);
        String format = req.queryParam("format");
        if (format != null && !format.equals("json") && !format.equals("jsonl")) {
            throw ApiError.badRequest("format must be json or jsonl");
        }
        if ("json".equals(format) && req.queryParam("after") != null) {
            throw ApiError.badRequest("after is for the JSON Lines export (format=jsonl); the JSON list pages with before");
        }
        if ("jsonl".equals(format) || req.queryParam("after") != null
                || (format == null && req.accepts("application/x-ndjson"))) {
            return export(req);
        }
        known(req, "type", "user", "node", "session", "from", "to", "limit", "before", "format");
        String type = text(req, "type");
        if (type != null && !type.matches("[a-z0-9_.]{1,64}")) {
            throw ApiError.badRequest("type must be an event type (session.start) or a prefix ending in '.' (session.)");
        }
        EventSearch search = new EventSearch(type, text(req, "user"), text(req, "node"), text(req, "session"),
                time(req, "from"), time(req, "to"), scope(req.viewer()), req.queryParam("before"),
                req.limit(DEFAULT_LIMIT, MAX_LIMIT));
        EventPage page = read(() -> store().searchEvents(search));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode items = out.putArray("items");
        page.items().forEach(e -> items.add(eventJson(e)));
        out.put("next", page.next());
        return ApiResponse.ok(out);
    }

    /**
     * JSON Lines for a collector (application/x-ndjson): one event a line, ascending by seq in one
     * chain. The collector keeps the last {@code seq} it stored per chain and asks for
     * {@code after=} it; each line's {@code prev_hash} is the {@code hash} of the line before in
     * the same chain (when the viewer's tenant sees every event of it).
     */
    private ApiResponse export(ApiRequest req) {
        known(req, "after", "limit", "chain", "format");
        String afterText = req.queryParam("after");
        long after;
        try {
            after = afterText == null ? 0 : Long.parseLong(afterText);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("after must be a sequence number (0 or more)");
        }
        if (after < 0) {
            throw ApiError.badRequest("after must be a sequence number (0 or more)");
        }
        String chain = req.queryParam("chain");
        if (chain == null) {
            chain = store().chainId();
        } else if (!read(() -> store().chains()).contains(chain)) {
            throw ApiError.notFound("no chain " + chain);
        }
        int limit = req.limit(EXPORT_DEFAULT_LIMIT, EXPORT_MAX_LIMIT);
        String chainId = chain;
        List<StoredEvent> events = read(() -> store().eventsAfter(chainId, after, scope(req.viewer()), limit));
        StringBuilder body = new StringBuilder();
        for (StoredEvent e : events) {
            try {
                body.append(JSON.writeValueAsString(eventJson(e))).append('\n');
            } catch (IOException ex) {
                throw new IllegalStateException("cannot write event " + e.chainId() + ":" + e.seq(), ex);
            }
        }
        return new ApiResponse.Body(200, "application/x-ndjson", body.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    /** An event with its place in its chain: chain, seq, prev_hash, hash, then the event's fields. */
    static ObjectNode eventJson(StoredEvent e) {
        ObjectNode o = JSON.createObjectNode();
        AuditEvent ev = e.event();
        o.put("chain", e.chainId());
        o.put("seq", e.seq());
        o.put("prev_hash", e.prevHash());
        o.put("hash", e.hash());
        o.put("time", ev.time().toString());
        o.put("type", ev.type());
        o.put("outcome", ev.outcome());
        o.put("source", ev.source());
        o.put("user", ev.user());
        o.put("node", ev.node());
        o.put("login", ev.login());
        if (ev.certSerial() == null) {
            o.putNull("cert_serial");
        } else {
            o.put("cert_serial", ev.certSerial());
        }
        o.put("grant_id", ev.grantId());
        o.put("session_id", ev.sessionId());
        ObjectNode details = o.putObject("details");
        ev.details().forEach(details::put);
        return o;
    }

    ApiResponse verify(ApiRequest req) {
        auditor(req);
        wholeStore(req);
        if (auditKey == null) {
            throw ApiError.unavailable("the audit key's public half is not available to this gateway");
        }
        AuditVerification.Result result = read(() -> AuditVerification.run(store(), witnesses, store().chainId(), auditKey));
        VerifyReport r = result.report();
        AuditEvent event = audit.event(EventType.AUDIT_VERIFIED, result.ok() ? "success" : "failure")
                .withUser(req.viewer().user()).withSource(req.viewer().source()).with("via", req.viewer().via())
                .with("summary", result.summary()).with("first_broken", result.ok() ? null : r.firstProblem());
        if (!audit.append(event)) {
            throw ApiError.unavailable(AuditTrail.refusedWhileDown("verifications"));
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("ok", result.ok());
        out.put("summary", result.summary());
        out.put("first_broken", result.ok() ? null : r.firstProblem());
        out.putPOJO("problems", r.problems().stream().limit(MAX_PROBLEMS).toList());
        out.put("problems_total", r.problems().size());
        out.putPOJO("notes", r.notes().stream().limit(MAX_PROBLEMS).toList());
        ArrayNode tails = out.putArray("uncovered");
        for (VerifyReport.Tail t : r.tails()) {
            ObjectNode o = tails.addObject();
            o.put("subject", t.subject());
            o.put("describe", t.describe());
            o.put("witnessed", t.witnessed());
        }
        return ApiResponse.ok(out);
    }

    ApiResponse witness(ApiRequest req) {
        auditor(req);
        wholeStore(req);
        WitnessStatus status = read(() -> store().witnessStatus(witnesses));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode files = out.putArray("witnesses");
        for (VerifyReport.WitnessSummary w : status.witnesses()) {
            ObjectNode o = files.addObject();
            o.put("file", w.witness().file().toString());
            o.put("origin", w.witness().origin());
            o.put("kind", w.witness().kind() == Witness.Kind.LIVE ? "live" : "copy");
            o.put("exists", w.exists());
            o.put("lines", w.lines());
            o.set("newest", checkpoint(w.newest()));
        }
        ArrayNode stored = out.putArray("stored");
        status.stored().forEach(c -> stored.add(checkpoint(c)));
        out.putPOJO("problems", status.problems().stream().limit(MAX_PROBLEMS).toList());
        out.put("ok", status.problems().isEmpty() && status.witnesses().stream().allMatch(VerifyReport.WitnessSummary::exists));
        out.putPOJO("chains", read(() -> store().chains()));
        return ApiResponse.ok(out);
    }

    private static ObjectNode checkpoint(VerifyReport.Checkpoint c) {
        if (c == null) {
            return null;
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("chain", c.chain());
        o.put("seq", c.seq());
        o.put("time", c.time().toString());
        return o;
    }

    // ---- rules shared by the endpoints ----

    private AuditStore store() {
        return audit.store();
    }

    /** AUDIT or ADMIN, as the shell's {@code sessions}, {@code replay} and {@code audit} ask. */
    private static void auditor(ApiRequest req) {
        if (!req.viewer().may(Permission.AUDIT) && !req.viewer().may(Permission.ADMIN)) {
            throw ApiError.forbidden("recorded sessions and the audit log need the audit permission");
        }
    }

    /**
     * Verify and the witness status cover every chain of the store, other tenants' included: in a
     * multi-tenant policy they are for the operators (viewers of no tenant).
     */
    private void wholeStore(ApiRequest req) {
        if (policy.current().policy().multiTenant() && req.viewer().tenant() != null) {
            throw ApiError.forbidden("verifying the whole audit store is for the operators (users of no tenant)");
        }
    }

    /**
     * The viewer's tenant as the store's queries apply it: in a multi-tenant policy, the nodes and
     * users of the viewer's tenant; for a viewer of no tenant, everything no tenant holds.
     */
    TenantScope scope(ConsoleViewer viewer) {
        return TenantScopes.of(policy.current().policy(), viewer.tenant());
    }

    /** Runs a store read: a bad cursor is 400, a store that does not answer 503. */
    private static <T> T read(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (StoreUnavailableException e) {
            throw ApiError.unavailable("the audit store is unavailable");
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    private static void known(ApiRequest req, String... names) {
        Set<String> allowed = Set.of(names);
        for (String name : req.query().keySet()) {
            if (!allowed.contains(name)) {
                throw ApiError.badRequest("unknown query parameter '" + name + "'; this endpoint takes "
                        + String.join(", ", names));
            }
        }
    }

    private static String text(ApiRequest req, String name) {
        String v = req.queryParam(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (v.length() > MAX_TEXT) {
            throw ApiError.badRequest(name + " is longer than " + MAX_TEXT + " characters");
        }
        return v;
    }

    private static Instant time(ApiRequest req, String name) {
        String v = req.queryParam(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest(name + " must be an RFC 3339 time such as 2026-03-01T10:00:00Z");
        }
    }

    private static boolean flag(ApiRequest req, String name) {
        String v = req.queryParam(name);
        if (v == null || v.equals("0") || v.equals("false")) {
            return false;
        }
        if (v.equals("1") || v.equals("true")) {
            return true;
        }
        throw ApiError.badRequest(name + " must be 1 or 0");
    }

    private static long count(String v) {
        try {
            return v == null ? 0 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String sorted(Set<String> values) {
        return values.stream().sorted().collect(Collectors.joining(", "));
    }
}
