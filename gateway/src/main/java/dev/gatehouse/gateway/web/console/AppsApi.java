package dev.gatehouse.gateway.web.console;

import dev.gatehouse.gateway.web.HostRoute;
import dev.gatehouse.gateway.web.WebPolicy;
import dev.gatehouse.gateway.web.WebSite;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/apps}: the web apps the viewer may open now under standing access, for the
 * console's overview page: {@code {"items": [{"app", "node", "url"}], "next": null}}, {@code url}
 * being the app host's origin with {@code /} ({@code https://APP--NODE.apps.HOSTNAME:PORT/}). The
 * same list the built-in home page showed; everyone may ask for their own.
 */
public final class AppsApi implements ConsoleModule {
    private final WebPolicy policy;
    private final WebSite site;

    public AppsApi(WebPolicy policy, WebSite site) {
        this.policy = policy;
        this.site = site;
    }

    @Override
    public void register(ApiRoutes routes) {
        routes.get("/api/v1/apps", this::list);
    }

    private ApiResponse list(ApiRequest r) {
        List<HostRoute.App> apps = policy.reachableApps(r.viewer().user(), site.hostname());
        List<Map<String, String>> items = apps.stream()
                .map(a -> Map.of("app", a.app(), "node", a.node(), "url", site.appOrigin(a.host()) + "/"))
                .toList();
        Map<String, Object> out = new HashMap<>();
        out.put("items", items);
        out.put("next", null);
        return ApiResponse.ok(out);
    }
}
