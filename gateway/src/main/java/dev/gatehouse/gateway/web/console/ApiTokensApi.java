package dev.gatehouse.gateway.web.console;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The viewer's own API tokens: {@code GET /api/v1/api-tokens} ({@code {items: [{id, user, name,
 * issued, expires, state (valid|expired|revoked), revoked_by, revoked}], next: null}}) and
 * {@code DELETE /api/v1/api-tokens/{id}} (revokes at once; 404 for a token of someone else, 409
 * when already revoked). Issuing is the shell's ({@code api-token --for 1h}), where the user proves
 * their SSH key.
 */
public final class ApiTokensApi implements ConsoleModule {
    private final ApiTokens tokens;
    private final java.time.Clock clock;

    public ApiTokensApi(ApiTokens tokens, java.time.Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    @Override
    public void register(ApiRoutes routes) {
        routes.get("/api/v1/api-tokens", r -> {
            Instant now = clock.instant();
            List<Object> items = tokens.list(r.viewer().user()).stream().map(t -> (Object) t.json(now)).toList();
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("items", items);
            o.put("next", null);
            return ApiResponse.ok(o);
        });
        routes.delete("/api/v1/api-tokens/{id}", r -> {
            try {
                return ApiResponse.ok(tokens.revoke(r.viewer().user(), r.viewer().source(), r.param("id")).json(clock.instant()));
            } catch (IllegalArgumentException e) {
                throw ApiError.notFound(e.getMessage());
            } catch (IllegalStateException e) {
                throw ApiError.conflict(e.getMessage());
            }
        });
    }
}
