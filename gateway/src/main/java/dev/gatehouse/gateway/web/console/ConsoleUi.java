package dev.gatehouse.gateway.web.console;

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
}
