package dev.gatehouse.gateway.web.console;

import java.util.Map;
import java.util.Optional;

/**
 * The console's pages and their static assets (HTML, JavaScript, CSS, the terminal player),
 * served from the jar. The console's front controller asks it for every GET or HEAD on the console
 * host that is not an API call ({@code /api/v1/...}) or one of the login paths ({@code /login},
 * {@code /login/oidc}, its callback, {@code /launch}, {@code /.well-known/jwks.json}).
 * Pages carry no data: they load it from the API as the logged-in viewer.
 */
public interface ConsoleUi {
    /** The response for {@code path} (decoded, without the query); empty for a 404. */
    Optional<ApiResponse.Body> get(String path);

    /**
     * A page or asset with the response headers it needs besides the front controller's own:
     * {@code ETag} (RFC 9110 section 8.8.3), {@code Cache-Control} (RFC 9111 section 5.2) and, for
     * the pages that run the terminal player, a {@code Content-Security-Policy} that replaces the
     * default one. The front controller sets each of {@code headers} on the response (replacing a
     * header of the same name).
     */
    record Resource(ApiResponse.Body body, Map<String, String> headers) {
        public Resource {
            headers = Map.copyOf(headers);
        }
    }

    /**
     * Like {@link #get}, with the headers to send. When {@code ifNoneMatch} (the request's
     * {@code If-None-Match}, or null) names the resource's current ETag, the body is a 304 without
     * content (RFC 9110 section 13.1.2). The default has no extra headers and never answers 304.
     */
    default Optional<Resource> resource(String path, String ifNoneMatch) {
        return get(path).map(b -> new Resource(b, Map.of()));
    }
}
