package dev.gatehouse.gateway;

import java.util.Map;
import java.util.function.Function;

/** Policy files the in-process tests run under, as functions of the users' public key lines. */
final class Policies {
    private Policies() {
    }

    /** alice (engineer: login aiops on gpu-node-1, listening at 127.0.0.1:{@code nodePort} with {@code hostKey}). */
    static Function<Map<String, String>, String> engineer(int nodePort, String hostKey) {
        return engineer(nodePort, hostKey, "");
    }

    /** As {@link #engineer(int, String)}, with {@code roleFields} (", key: value" YAML) added to the engineer role. */
    static Function<Map<String, String>, String> engineer(int nodePort, String hostKey, String roleFields) {
        return keys -> """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:%d", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}%s}
                """.formatted(keys.get("alice"), nodePort, hostKey, roleFields);
    }
}
