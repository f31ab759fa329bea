package dev.gatehouse.gateway.web.console;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The API's routing table: {@code (method, pattern)} to an {@link ApiEndpoint}. A pattern is a path
 * under {@code /api/v1/} (or {@code /internal/v1/}, which only other gateway instances reach) whose segments are literals or {@code {name}}; a {@code {name}} segment
 * matches one non-empty segment. First added, first matched.
 */
public final class ApiRoutes {

    /** A matched route: the endpoint and the values of its {@code {name}} segments. */
    public record Match(ApiEndpoint endpoint, Map<String, String> params) {}

    private record Route(String method, String[] segments, ApiEndpoint endpoint) {}

    private final List<Route> routes = new ArrayList<>();

    /** Adds {@code endpoint} for {@code method} (GET, POST, DELETE, ...) and {@code pattern} ({@code /api/v1/...}). */
    public ApiRoutes add(String method, String pattern, ApiEndpoint endpoint) {
        if (!pattern.startsWith("/api/v1/") && !pattern.startsWith("/internal/v1/")) {
            throw new IllegalArgumentException("API routes start with /api/v1/ (or /internal/v1/ for other instances): " + pattern);
        }
        routes.add(new Route(method, pattern.substring(1).split("/", -1), endpoint));
        return this;
    }

    public ApiRoutes get(String pattern, ApiEndpoint endpoint) {
        return add("GET", pattern, endpoint);
    }

    public ApiRoutes post(String pattern, ApiEndpoint endpoint) {
        return add("POST", pattern, endpoint);
    }

    public ApiRoutes delete(String pattern, ApiEndpoint endpoint) {
        return add("DELETE", pattern, endpoint);
    }

    /** The route for {@code method} and {@code path}; empty when none matches. */
    public Optional<Match> match(String method, String path) {
        String[] parts = path.startsWith("/") ? path.substring(1).split("/", -1) : new String[0];
        for (Route r : routes) {
            if (!r.method().equals(method) || r.segments().length != parts.length) {
                continue;
            }
            Map<String, String> params = new HashMap<>();
            boolean ok = true;
            for (int i = 0; i < parts.length && ok; i++) {
                String s = r.segments()[i];
                if (s.startsWith("{") && s.endsWith("}")) {
                    ok = !parts[i].isEmpty();
                    params.put(s.substring(1, s.length() - 1), parts[i]);
                } else {
                    ok = s.equals(parts[i]);
                }
            }
            if (ok) {
                return Optional.of(new Match(r.endpoint(), Map.copyOf(params)));
            }
        }
        return Optional.empty();
    }

    /** The methods some route allows for {@code path} (for 405's {@code Allow}); empty when no route has the path. */
    public List<String> methodsFor(String path) {
        List<String> methods = new ArrayList<>();
        for (Route r : routes) {
            if (!methods.contains(r.method()) && new ApiRoutes().add(r.method(), "/" + String.join("/", r.segments()), r.endpoint())
                    .match(r.method(), path).isPresent()) {
                methods.add(r.method());
            }
        }
        return methods;
    }
}
