package dev.gatehouse.gateway.web.console;

import dev.gatehouse.policy.Permission;
import java.time.Instant;
import java.util.Set;

/**
 * Who is calling the console or its JSON API, established once per request by the console's front
 * controller from the {@code __Host-gatehouse} cookie or an {@code api-token} bearer token
 * (RFC 6750 section 2.1), and re-checked against the current policy and locks on every request.
 *
 * @param user the Gatehouse user name
 * @param tenant the user's tenant, or null for the default (no tenant)
 * @param permissions the shell permissions the user's roles grant now (AUDIT, ADMIN), tenant-scoped
 * @param via how the caller authenticated: {@code "cookie"} (browser console session) or {@code "token"} (api-token)
 * @param credentialId the console session id ({@code sid}) or the api-token id ({@code jti})
 * @param keyFingerprint the SSH key fingerprint behind the login (SHA256:...), or "" (OIDC login)
 * @param source the client's address, {@code ip:port} ({@code [v6]:port})
 * @param expires when the credential ends
 */
public record ConsoleViewer(String user, String tenant, Set<Permission> permissions, String via, String credentialId,
        String keyFingerprint, String source, Instant expires) {

    public ConsoleViewer {
        permissions = Set.copyOf(permissions);
    }

    /** Whether the viewer holds {@code p} (in their own tenant). */
    public boolean may(Permission p) {
        return permissions.contains(p);
    }
}
