package dev.gatehouse.gateway.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.gateway.access.AccessService;
import dev.gatehouse.gateway.access.Durations;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.policy.AccessRequest;
import dev.gatehouse.policy.Approval;
import dev.gatehouse.policy.ElevationRules;
import dev.gatehouse.policy.Lock;
import dev.gatehouse.policy.NodeTarget;
import dev.gatehouse.policy.Permission;
import dev.gatehouse.policy.RequestEvent;
import dev.gatehouse.policy.RequestState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Elevation requests, grants and locks over the API: the same {@link AccessService} calls as the
 * gateway shell's {@code request}, {@code requests}, {@code approve}, {@code deny}, {@code cancel},
 * {@code grants}, {@code revoke}, {@code lock} and {@code unlock}, so the same pure policy rules
 * decide, and the same audit events follow.
 *
 * <ul>
 *   <li>{@code GET /api/v1/requests[?state=pending|active|denied|...]}, {@code POST /api/v1/requests}
 *       {@code {login, node, duration ("30m"|"1h"|seconds), reason}} (201),
 *       {@code GET /api/v1/requests/{id}}, {@code POST .../{id}/approve {comment?}},
 *       {@code POST .../{id}/deny {reason}}, {@code POST .../{id}/cancel}
 *   <li>{@code GET /api/v1/grants} (active, with {@code seconds_left}), {@code POST /api/v1/grants/{id}/revoke}
 *   <li>{@code GET /api/v1/locks}, {@code POST /api/v1/locks {kind, name, reason}} (201),
 *       {@code DELETE /api/v1/locks/{kind}/{name}} with an optional body {@code {reason}} (ADMIN)
 * </ul>
 *
 * A request the viewer may not see is 404, exactly as a missing one (tenants never see each other's).
 * Refusals: 409 when the request is already decided or closed, 403 for the rest, with the service's
 * one-line reason.
 */
public final class AccessApi implements ConsoleModule {
    /** Default and largest page size of a list. */
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    private final AccessService access;
    private final PolicyHolder policy;
    private final Clock clock;

    public AccessApi(AccessService access, PolicyHolder policy, Clock clock) {
        this.access = access;
        this.policy = policy;
        this.clock = clock;
    }

    @Override
    public void register(ApiRoutes routes) {
        routes.get("/api/v1/requests", this::listRequests)
                .post("/api/v1/requests", this::create)
                .get("/api/v1/requests/{id}", this::getRequest)
                .post("/api/v1/requests/{id}/approve", r -> decide(r, () -> access.approve(r.viewer().user(), r.param("id"),
                        r.bodyText("comment"))))
                .post("/api/v1/requests/{id}/deny", r -> {
                    String reason = r.bodyText("reason");
                    if (reason == null || reason.isBlank()) {
                        throw ApiError.badRequest("a denial needs a reason (field 'reason')");
                    }
                    return decide(r, () -> access.deny(r.viewer().user(), r.param("id"), reason));
                })
                .post("/api/v1/requests/{id}/cancel", r -> decide(r, () -> access.cancel(r.viewer().user(), r.param("id"))))
                .get("/api/v1/grants", this::listGrants)
                .post("/api/v1/grants/{id}/revoke", r -> decide(r, () -> access.revoke(r.viewer().user(), r.param("id"))))
                .get("/api/v1/locks", this::listLocks)
                .post("/api/v1/locks", this::lock)
                .delete("/api/v1/locks/{kind}/{name}", this::unlock);
    }

    private ApiResponse listRequests(ApiRequest r) {
        String state = r.queryParam("state");
        RequestState wanted = null;
        if (state != null) {
            try {
                wanted = RequestState.valueOf(state.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("state must be one of " + states());
            }
        }
        RequestState only = wanted;
        return page(r, access.visibleRequests(r.viewer().user()), q -> only == null || q.state() == only);
    }

    private ApiResponse listGrants(ApiRequest r) {
        Instant now = clock.instant();
        return page(r, access.visibleRequests(r.viewer().user()), q -> q.activeAt(now));
    }

    /** One page of {@code rows} (newest first) that pass {@code keep}: {@code {items, next}}. */
    private ApiResponse page(ApiRequest r, List<AccessRequest> rows, Predicate<AccessRequest> keep) {
        int limit = limit(r);
        String before = r.queryParam("before");
        Instant now = clock.instant();
        List<Object> items = new ArrayList<>();
        boolean started = before == null;
        String next = null;
        for (AccessRequest q : rows) {
            if (!started) {
                started = q.id().equals(before);
                continue;
            }
            if (!keep.test(q)) {
                continue;
            }
            if (items.size() == limit) {
                next = ((String) ((Map<?, ?>) items.get(items.size() - 1)).get("id"));
                break;
            }
            items.add(json(q, r.viewer().user(), now));
        }
        if (!started) {
            throw ApiError.badRequest("no such cursor 'before'; start again without it");
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("items", items);
        o.put("next", next);
        return ApiResponse.ok(o);
    }

    /** {@code limit}: 1 to {@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}. */
    static int limit(ApiRequest r) {
        return r.limit(DEFAULT_LIMIT, MAX_LIMIT);
    }

    private ApiResponse getRequest(ApiRequest r) {
        return ApiResponse.ok(json(visible(r), r.viewer().user(), clock.instant()));
    }

    private ApiResponse create(ApiRequest r) {
        String login = required(r, "login");
        String node = required(r, "node");
        Duration duration = duration(r.body().get("duration"));
        String reason = r.bodyText("reason");
        NodeTarget target;
        try {
            target = NodeTarget.parse(node);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
        AccessRequest q;
        try {
            q = access.request(r.viewer().user(), login, target, duration, reason);
        } catch (AccessService.Refused e) {
            String m = e.getMessage();
            // a node of another tenant is as unknown as a missing one
            if (m.startsWith("unknown node") || m.contains("belongs to another tenant")) {
                throw ApiError.notFound("unknown node '" + target + "'");
            }
            throw ApiError.forbidden(m);
        }
        return ApiResponse.created(json(q, r.viewer().user(), clock.instant()));
    }

    /** Runs a decision on a request the viewer can see (else 404); 409 when it is no longer open to it. */
    private ApiResponse decide(ApiRequest r, Supplier<AccessRequest> action) {
        AccessRequest before = visible(r);
        AccessRequest after;
        try {
            after = action.get();
        } catch (AccessService.Refused e) {
            AccessRequest now = access.state().request(before.id()).orElse(before);
            if (!now.state().live() || e.getMessage().contains("already")) {
                throw ApiError.conflict(e.getMessage());
            }
            throw ApiError.forbidden(e.getMessage());
        }
        return ApiResponse.ok(json(after, r.viewer().user(), clock.instant()));
    }

    private AccessRequest visible(ApiRequest r) {
        try {
            return access.visible(r.viewer().user(), r.param("id"));
        } catch (AccessService.Refused e) {
            throw ApiError.notFound(e.getMessage());
        }
    }

    private ApiResponse listLocks(ApiRequest r) {
        if (!r.viewer().may(Permission.ADMIN)) {
            throw ApiError.forbidden("you need the admin permission to list locks");
        }
        String tenant = r.viewer().tenant();
        List<Object> items = new ArrayList<>();
        access.state().locks().stream()
                .filter(l -> tenant == null || l.tenant() == null || tenant.equals(l.tenant()))
                .sorted((a, b) -> b.at().compareTo(a.at()))
                .forEach(l -> items.add(json(l)));
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("items", items);
        o.put("next", null);
        return ApiResponse.ok(o);
    }

    private ApiResponse lock(ApiRequest r) {
        Lock.Kind kind = kind(required(r, "kind"));
        String name = required(r, "name");
        try {
            return ApiResponse.created(json(access.lock(r.viewer().user(), kind, name, r.bodyText("reason"))));
        } catch (AccessService.Refused e) {
            throw ApiError.forbidden(e.getMessage());
        }
    }

    private ApiResponse unlock(ApiRequest r) {
        Lock.Kind kind = kind(r.param("kind"));
        String name = r.param("name");
        try {
            access.unlock(r.viewer().user(), kind, name, r.bodyText("reason"));
        } catch (AccessService.Refused e) {
            String m = e.getMessage();
            if (m.endsWith("is not locked") || m.startsWith("no lock on")) {
                throw ApiError.notFound(m);
            }
            throw ApiError.forbidden(m);
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("kind", kind.name().toLowerCase(Locale.ROOT));
        o.put("name", name);
        o.put("unlocked", true);
        return ApiResponse.ok(o);
    }

    private static Lock.Kind kind(String text) {
        try {
            return Lock.Kind.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("kind must be user, node, login or tenant");
        }
    }

    private static String required(ApiRequest r, String field) {
        String v = r.bodyText(field);
        if (v == null || v.isBlank()) {
            throw ApiError.badRequest("field '" + field + "' is required");
        }
        return v;
    }

    /** {@code "30m"}, {@code "1h"}, or whole seconds (a JSON number or a string of digits). */
    static Duration duration(JsonNode n) {
        if (n == null || n.isNull()) {
            throw ApiError.badRequest("field 'duration' is required (\"30m\", \"1h\" or seconds)");
        }
        if (n.isIntegralNumber() && n.canConvertToLong() && n.asLong() > 0) {
            return Duration.ofSeconds(n.asLong());
        }
        if (n.isTextual()) {
            String t = n.asText();
            try {
                return t.matches("\\d{1,9}") ? Duration.ofSeconds(Long.parseLong(t)) : Durations.parse(t);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest(e.getMessage());
            }
        }
        throw ApiError.badRequest("duration must be \"30m\", \"1h\" or a positive number of seconds");
    }

    private static String states() {
        List<String> out = new ArrayList<>();
        for (RequestState s : RequestState.values()) {
            out.add(s.name().toLowerCase(Locale.ROOT));
        }
        return String.join(", ", out);
    }

    /**
     * A request as the API shows it: {@code id, requester, tenant, login, nodes[], target, duration
     * (seconds), reason, state, approvals[{by, at, comment}], created, expires (the pending deadline,
     * or the grant's end once active), window_start, window_end, closed_by, close_reason, may_decide}.
     * {@code may_decide} asks the pure rules whether an approval by the viewer would be accepted now.
     */
    Map<String, Object> json(AccessRequest q, String viewer, Instant now) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", q.id());
        o.put("requester", q.requester());
        o.put("tenant", q.tenant());
        o.put("login", q.login());
        o.put("nodes", q.target().isSelector() ? q.target().resolve(policy.current().policy()).stream().map(n -> n.name()).toList()
                : List.of(q.target().node()));
        o.put("target", q.target().toString());
        o.put("duration", q.duration().toSeconds());
        o.put("reason", q.reason());
        o.put("state", q.state().name().toLowerCase(Locale.ROOT));
        List<Object> approvals = new ArrayList<>();
        for (Approval a : q.approvals()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("by", a.approver());
            x.put("at", a.at().toString());
            x.put("comment", a.comment());
            approvals.add(x);
        }
        o.put("approvals", approvals);
        o.put("created", q.createdAt().toString());
        Instant expires = q.state() == RequestState.PENDING ? q.pendingUntil() : q.windowEnd();
        o.put("expires", expires == null ? null : expires.toString());
        o.put("window_start", q.windowStart() == null ? null : q.windowStart().toString());
        o.put("window_end", q.windowEnd() == null ? null : q.windowEnd().toString());
        if (q.activeAt(now)) {
            o.put("seconds_left", Math.max(0, Duration.between(now, q.windowEnd()).toSeconds()));
        }
        o.put("closed_by", q.closedBy());
        o.put("close_reason", q.closeReason());
        o.put("may_decide", q.state() == RequestState.PENDING && !Objects.equals(viewer, q.requester())
                && ElevationRules.apply(policy.current().policy(), q, new RequestEvent.Approve(viewer, null, now), access.state()).isOk());
        return o;
    }

    static Map<String, Object> json(Lock l) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("kind", l.kind().name().toLowerCase(Locale.ROOT));
        o.put("name", l.name());
        o.put("tenant", l.tenant());
        o.put("by", l.by());
        o.put("at", l.at().toString());
        o.put("reason", l.reason());
        return o;
    }
}
