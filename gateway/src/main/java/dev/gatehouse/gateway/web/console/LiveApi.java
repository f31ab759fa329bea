package dev.gatehouse.gateway.web.console;

import dev.gatehouse.gateway.access.LiveSessions;
import dev.gatehouse.gateway.session.LiveSession;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The console's live sessions (issue 12), on the same {@link LiveSessions} service as the gateway
 * shell's {@code live} and {@code terminate}:
 * <ul>
 *   <li>{@code GET /api/v1/live} (AUDIT or ADMIN): {@code {"items": [...], "next": CURSOR|null}},
 *       newest first, each {@link LiveSessions#describe} (the sessions of every instance sharing the
 *       database, each with its {@code instance} and {@code state}); {@code limit} (1..500, default 50)
 *       and {@code before=ID} page.
 *   <li>{@code POST /api/v1/live/{id}/terminate} {@code {"reason": TEXT}} (ADMIN): the user sees
 *       {@code gatehouse: session terminated by USER: REASON}; answers the session as it was. Also
 *       served as {@code POST /api/v1/sessions/{id}/terminate}, the name in DESIGN.md's
 *       user-facing contract (a live session's id is its recorded session's id).
 *   <li>{@code GET /api/v1/live/{id}/observe} (AUDIT or ADMIN): {@code text/event-stream}, see
 *       {@link ObserverStream}; the user is told who watches, and when they stop.
 * </ul>
 * Sessions of another tenant, and unknown ids, are 404.
 */
public final class LiveApi implements ConsoleModule {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    private final LiveSessions live;
    private final Clock clock;
    private final Executor executor;
    private final ScheduledExecutorService timer;

    /**
     * @param executor writes observe streams to their clients (the gateway's command pool)
     * @param timer waits for a slow client's connection to drain
     */
    public LiveApi(LiveSessions live, Clock clock, Executor executor, ScheduledExecutorService timer) {
        this.live = live;
        this.clock = clock;
        this.executor = executor;
        this.timer = timer;
    }

    /** The module on the gateway's services (as the console's front controller wires it). */
    public static LiveApi of(dev.gatehouse.gateway.GatewayServices services) {
        return new LiveApi(LiveSessions.of(services), services.clock(),
                services.commandPool(), services.timer());
    }

    @Override
    public void register(ApiRoutes routes) {
        routes.get("/api/v1/live", this::list);
        routes.post("/api/v1/live/{id}/terminate", this::terminate);
        routes.post("/api/v1/sessions/{id}/terminate", this::terminate);
        routes.get("/api/v1/live/{id}/observe", this::observe);
    }

    ApiResponse list(ApiRequest request) {
        int limit = request.limit(DEFAULT_LIMIT, MAX_LIMIT);
        String before = request.queryParam("before");
        List<LiveSession> all = new java.util.ArrayList<>(call(() -> live.list(actor(request))));
        java.util.Collections.reverse(all);
        int from = 0;
        if (before != null) {
            from = -1;
            for (int i = 0; i < all.size() && from < 0; i++) {
                if (all.get(i).id().equals(before)) {
                    from = i + 1;
                }
            }
            if (from < 0) {
                throw ApiError.badRequest("'before' names no live session (it may have ended); list again from the start");
            }
        }
        List<LiveSession> page = all.subList(from, Math.min(all.size(), from + limit));
        String next = from + limit < all.size() ? page.get(page.size() - 1).id() : null;
        java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("items", page.stream().map(live::describe).toList());
        body.put("next", next);
        return ApiResponse.ok(body);
    }

    ApiResponse terminate(ApiRequest request) {
        String reason = request.bodyText("reason");
        LiveSession s = call(() -> live.terminate(actor(request), request.param("id"), reason));
        Map<String, Object> body = live.describe(s);
        body.put("terminated_by", request.viewer().user());
        body.put("reason", reason.strip());
        return ApiResponse.ok(body);
    }

    ApiResponse observe(ApiRequest request) {
        if (request.method().equals("HEAD")) {
            // a HEAD answer has no body: an observation started for it would run unseen
            throw new ApiError(405, "method_not_allowed", "HEAD is not allowed on an observe stream; use GET");
        }
        LiveSessions.Watch[] watch = new LiveSessions.Watch[1];
        LiveSession target = call(() -> live.find(actor(request), request.param("id")));
        ObserverStream stream = new ObserverStream(target.user() + " -> "
                + (target.node() == null ? "gateway" : target.login() + "@" + target.node()), clock, executor, timer,
                why -> close(watch[0], why));
        watch[0] = call(() -> live.observe(actor(request), request.param("id"), stream));
        return new ApiResponse.Stream("text/event-stream", sink -> {
            // the gateway's reason when it ended the stream (its end event closes the response), else the client left
            sink.onClose(() -> close(watch[0], stream.endReason() != null ? stream.endReason() : "the observer left"));
            stream.attach(sink);
        });
    }

    private static void close(LiveSessions.Watch watch, String why) {
        if (watch != null) {
            watch.close(why);
        }
    }

    private static LiveSessions.Actor actor(ApiRequest request) {
        ConsoleViewer v = request.viewer();
        return new LiveSessions.Actor(v.user(), v.source(), v.via(), v.keyFingerprint());
    }

    /** Runs {@code action}, turning the service's refusals into the API's errors. */
    private static <T> T call(java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (LiveSessions.Refused e) {
            throw switch (e.kind()) {
                case FORBIDDEN -> ApiError.forbidden(e.getMessage());
                case NOT_FOUND -> ApiError.notFound(e.getMessage());
                case BAD_REQUEST -> ApiError.badRequest(e.getMessage());
                case CONFLICT -> ApiError.conflict(e.getMessage());
                case UNAVAILABLE -> ApiError.unavailable(e.getMessage());
            };
        }
    }
}
