package dev.gatehouse.gateway.web.console;

import dev.gatehouse.gateway.access.LiveDirectory;
import dev.gatehouse.gateway.access.LiveSessions;
import dev.gatehouse.gateway.access.RemoteSession;
import dev.gatehouse.recorder.InstanceRegistry;
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
 *       {@link ObserverStream}; the user is told who watches, and when they stop. A session on
 *       another live instance is observed through it ({@link InstanceRelay}: an HTTPS call to
 *       {@code GET /internal/v1/live/{id}/observe} with an {@link InstanceTokens} token; that
 *       instance judges the viewer again under its own policy); a session on a dead instance is 409.
 * </ul>
 * Sessions of another tenant, and unknown ids, are 404.
 */
public final class LiveApi implements ConsoleModule, AutoCloseable {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    private final LiveSessions live;
    private final Clock clock;
    private final Executor executor;
    private final ScheduledExecutorService timer;
    /** How sessions on other instances are observed, or null (they are then refused with 409). */
    private final Instances instances;

    /**
     * What observing a session on another instance needs (issue 13).
     *
     * @param directory this instance among those sharing the database: their addresses and states
     * @param tokens the instance tokens (shared API-token key) this instance signs and accepts
     * @param relay the HTTPS client to the other instances
     */
    public record Instances(LiveDirectory directory, InstanceTokens tokens, InstanceRelay relay) {}

    /**
     * @param executor writes observe streams to their clients (the gateway's command pool)
     * @param timer waits for a slow client's connection to drain
     */
    public LiveApi(LiveSessions live, Clock clock, Executor executor, ScheduledExecutorService timer) {
        this(live, clock, executor, timer, null);
    }

    /** @param instances how sessions on other instances are observed, or null to refuse that (409) */
    public LiveApi(LiveSessions live, Clock clock, Executor executor, ScheduledExecutorService timer, Instances instances) {
        this.live = live;
        this.clock = clock;
        this.executor = executor;
        this.timer = timer;
        this.instances = instances;
    }

    /** The module on the gateway's services (as the console's front controller wires it). */
    public static LiveApi of(dev.gatehouse.gateway.GatewayServices services) {
        Instances instances = null;
        if (services.directory() != null && services.apiTokens().isPresent()) {
            instances = new Instances(services.directory(), services.apiTokens().get().instanceTokens(),
                    new InstanceRelay(services.tlsCa().certificate(), services.config().web().hostname()));
        }
        return new LiveApi(LiveSessions.of(services), services.clock(),
                services.commandPool(), services.timer(), instances);
    }

    /** Stops the instance relay's event loop (the HTTPS listener does it once its channels are closed). */
    @Override
    public void close() {
        if (instances != null) {
            instances.relay().close();
        }
    }

    @Override
    public void register(ApiRoutes routes) {
        routes.get("/api/v1/live", this::list);
        routes.post("/api/v1/live/{id}/terminate", this::terminate);
        routes.post("/api/v1/sessions/{id}/terminate", this::terminate);
        routes.get("/api/v1/live/{id}/observe", this::observe);
        routes.get(InstanceRelay.PATH + "{id}/observe", this::observeForInstance);
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
        LiveSession target = call(() -> instances == null ? live.find(actor(request), request.param("id"))
                : live.locate(actor(request), request.param("id")));
        if (target instanceof RemoteSession remote) {
            return observeThrough(request, remote);
        }
        return observeHere(actor(request), request.param("id"), target, null);
    }

    /**
     * {@code GET /internal/v1/live/{id}/observe}, for another instance only (the front controller
     * lets nothing but an instance token reach it): the same stream and rules as a local observe,
     * judged under this instance's policy, audited with {@code via_instance}.
     */
    ApiResponse observeForInstance(ApiRequest request) {
        ConsoleViewer v = request.viewer();
        InstanceTokens.Claims claims = instances == null ? null : instances.tokens().accepted(v.credentialId());
        if (!"instance".equals(v.via()) || claims == null) {
            throw ApiError.forbidden("this path is for other gateway instances only");
        }
        if (request.method().equals("HEAD")) {
            throw new ApiError(405, "method_not_allowed", "HEAD is not allowed on an observe stream; use GET");
        }
        // the caller must be a running instance of this fleet under the name it claims (a token made
        // with the shared key by anything else, or by a stopped or dead instance, is refused)
        boolean known = call(() -> {
            try {
                return instances.directory().running(claims.issuer()).filter(i -> i.name().equals(claims.instance())).isPresent();
            } catch (dev.gatehouse.recorder.StoreUnavailableException e) {
                throw new LiveSessions.Refused(LiveSessions.Refused.Kind.UNAVAILABLE, "the audit store is unavailable");
            }
        });
        if (!known) {
            throw ApiError.forbidden("instance token issuer " + claims.instance() + " (chain " + claims.issuer()
                    + ") is no running instance of this fleet");
        }
        LiveSessions.Actor by = new LiveSessions.Actor(v.user(), claims.source(), "instance", v.keyFingerprint());
        LiveSession target = call(() -> live.find(by, request.param("id")));
        return observeHere(by, request.param("id"), target, claims.instance());
    }

    /** Observes {@code remote} through the instance running it, relaying its stream (audited here and there). */
    private ApiResponse observeThrough(ApiRequest request, RemoteSession remote) {
        ConsoleViewer v = request.viewer();
        LiveSessions.Actor by = actor(request);
        InstanceRegistry.Instance owner = call(() -> {
            try {
                return instances.directory().instance(remote.row().chainId()).orElseThrow(() -> new LiveSessions.Refused(
                        LiveSessions.Refused.Kind.CONFLICT, "instance " + remote.instance() + " is not registered any more"));
            } catch (dev.gatehouse.recorder.StoreUnavailableException e) {
                throw new LiveSessions.Refused(LiveSessions.Refused.Kind.UNAVAILABLE, "the audit store is unavailable");
            }
        });
        String token = instances.tokens().issue(instances.directory().chainId(), instances.directory().name(), v.user(),
                v.tenant(), v.permissions().stream().map(p -> p.name().toLowerCase(java.util.Locale.ROOT)).sorted().toList(),
                v.keyFingerprint(), v.source());
        java.util.function.Consumer<String> ended = call(() -> live.observedThrough(by, remote));
        try {
            return instances.relay().open(remote.instance(), owner.webListen(), remote.id(), token, ended);
        } catch (ApiError e) {
            ended.accept("refused by instance " + remote.instance() + ": " + e.getMessage());
            throw e;
        }
    }

    private ApiResponse observeHere(LiveSessions.Actor by, String id, LiveSession target, String viaInstance) {
        LiveSessions.Watch[] watch = new LiveSessions.Watch[1];
        ObserverStream stream = new ObserverStream(target.user() + " -> "
                + (target.node() == null ? "gateway" : target.login() + "@" + target.node()), clock, executor, timer,
                why -> close(watch[0], why));
        watch[0] = call(() -> live.observe(by, id, stream, viaInstance));
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
