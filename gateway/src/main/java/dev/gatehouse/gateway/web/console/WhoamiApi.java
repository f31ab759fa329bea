package dev.gatehouse.gateway.web.console;

import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.policy.Permission;
import dev.gatehouse.policy.User;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/whoami}: {@code {user, tenant, roles[], permissions[] ("AUDIT", "ADMIN"), via
 * ("cookie"|"token"), expires, csrf_token (cookie sessions only), key_fingerprint, source}}. The
 * console's pages call it first: a 401 means "not logged in".
 */
public final class WhoamiApi implements ConsoleModule {
    private final PolicyHolder policy;
    private final CsrfTokens csrf;

    public WhoamiApi(PolicyHolder policy, CsrfTokens csrf) {
        this.policy = policy;
        this.csrf = csrf;
    }

    @Override
    public void register(ApiRoutes routes) {
        routes.get("/api/v1/whoami", this::whoami);
    }

    private ApiResponse whoami(ApiRequest r) {
        ConsoleViewer v = r.viewer();
        List<String> roles = policy.current().policy().user(v.user()).map(User::roles).orElse(List.of());
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("user", v.user());
        o.put("tenant", v.tenant());
        o.put("roles", roles);
        o.put("permissions", v.permissions().stream().map(Permission::name).sorted().toList());
        o.put("via", v.via());
        o.put("expires", v.expires().toString());
        o.put("csrf_token", "cookie".equals(v.via()) ? csrf.token(v.credentialId()) : null);
        o.put("key_fingerprint", v.keyFingerprint());
        o.put("source", v.source());
        return ApiResponse.ok(o);
    }
}
